// Drives an AX sandbox running in another process (the local stack, local/ax-sandbox/main.ts) through its HTTP control
// API under /__sandbox/: the same methods as the in-process control, returning promises.
import {
  SandboxControlError,
  type ActiveFault,
  type AnswerShape,
  type AnswerShapeInput,
  type AxSandboxControl,
  type FaultSpec,
  type SandboxOrder,
  type SandboxOrderStatus,
  type SandboxRequest,
  type SandboxTicketStatus,
} from "./server";
import { devRouteHeaders } from "../http-gateway";

export type AxSandboxRemote = {
  [K in keyof AxSandboxControl]: (...args: Parameters<AxSandboxControl[K]>) => Promise<ReturnType<AxSandboxControl[K]>>;
};

/**
 * `url` is the sandbox's base URL (what the AX client uses), e.g. http://127.0.0.1:4010; `controlToken` the token
 * its control routes require (the local stack's admin token).
 */
export function connectAxSandbox(url: string, controlToken?: string): AxSandboxRemote {
  const base = url.replace(/\/+$/, "");
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}/__sandbox/${path}`, {
      method,
      headers: { ...devRouteHeaders(controlToken), accept: "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload = await response.json();
    if (!response.ok) {
      const message =
        typeof payload === "object" && payload !== null && "error" in payload ? String(payload.error) : "";
      throw new SandboxControlError(
        response.status === 404 ? 404 : 400,
        `sandbox control ${method} ${path}: ${message}`,
      );
    }
    return payload as T;
  };
  const segment = encodeURIComponent;
  return {
    injectFault: (spec: FaultSpec) => call<ActiveFault>("POST", "faults", spec),
    listFaults: () => call<ActiveFault[]>("GET", "faults"),
    clearFault: async (id: string) => {
      try {
        await call("DELETE", `faults/${segment(id)}`);
        return true;
      } catch (error) {
        if (error instanceof SandboxControlError && error.status === 404) return false;
        throw error;
      }
    },
    clearFaults: async () => {
      await call("DELETE", "faults");
    },
    setAnswerShape: (shape: AnswerShapeInput) => call<AnswerShape>("PUT", "answer-shape", shape),
    setOrderStatus: (axOrderCode: string, status: SandboxOrderStatus, comment?: string) =>
      call<SandboxOrder>("PUT", `orders/${segment(axOrderCode)}/status`, { status, comment }),
    setTicketStatus: (axOrderCode: string, axTicketCode: string, status: SandboxTicketStatus) =>
      call<SandboxOrder>("PUT", `orders/${segment(axOrderCode)}/tickets/${segment(axTicketCode)}/status`, { status }),
    listOrders: (filter: { channelOrderCode?: string } = {}) =>
      call<SandboxOrder[]>(
        "GET",
        filter.channelOrderCode === undefined
          ? "orders"
          : `orders?channel_order_code=${segment(filter.channelOrderCode)}`,
      ),
    getOrder: async (axOrderCode: string) => {
      try {
        return await call<SandboxOrder>("GET", `orders/${segment(axOrderCode)}`);
      } catch (error) {
        if (error instanceof SandboxControlError && error.status === 404) return undefined;
        throw error;
      }
    },
    createCalls: async (channelOrderCode: string) =>
      (await call<{ count: number }>("GET", `create-calls/${segment(channelOrderCode)}`)).count,
    requests: () => call<SandboxRequest[]>("GET", "requests"),
    reset: async () => {
      await call("POST", "reset");
    },
  };
}
