// Starts DynamoDB Local with its HTTP listener bound to 127.0.0.1 only. DynamoDB Local has no host option: its
// DynamoDBProxyServer builds a Jetty `new Server(port)`, whose connector listens on every interface. So this
// launcher builds the server as DynamoDB Local's own main does (same command-line arguments), sets the Jetty
// connector's host to the loopback address, then starts it. Run by `java` in source-file mode (Java 11+), with
// DynamoDBLocal.jar on the class path: see local/dynamodb/emulator.ts.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
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
