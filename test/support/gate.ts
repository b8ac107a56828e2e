// A point a party of a race stops at until the test opens it; `arrived` resolves once it got there.
export function gate() {
  let open = () => {};
  let arrive = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  return { open, opened, arrived, arrive };
}
