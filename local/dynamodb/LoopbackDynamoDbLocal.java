// Starts DynamoDB Local with its HTTP listener bound to 127.0.0.1 only. DynamoDB Local has no host option: its
// DynamoDBProxyServer builds a Jetty `new Server(port)`, whose connector listens on every interface. So this
// launcher builds the server as DynamoDB Local's own main does (same command-line arguments), sets the Jetty
// connector's host to the loopback address, then starts it. Run by `java` in source-file mode (Java 11+), with
// DynamoDBLocal.jar on the class path: see local/dynamodb/emulator.ts.
//
// It also lives and dies with the process that started it:
// - Ctrl-C in a terminal sends SIGINT to the whole foreground process group, this JVM included. The local stack
//   stops DynamoDB Local itself, last, once the writes in flight are done; dying first would lose AX's answers
//   that those writes record. So SIGINT is ignored here (SIGTERM, which the stack sends, still stops it).
// - Its parent holds its standard input open: the end of that input means the parent is gone (even by kill -9), and
//   DynamoDB Local stops instead of living on as an orphan holding the data folder.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import sun.misc.Signal;
import sun.misc.SignalHandler;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
    Thread parentWatch =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // nothing is sent on it: only its end matters
                }
              } catch (IOException e) {
                // a broken pipe is an end too
              }
              System.exit(0);
            },
            "parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();

    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      if (!(connector instanceof ServerConnector))
        throw new IllegalStateException("unexpected Jetty connector " + connector.getClass().getName());
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
  }
}
