import java.util.concurrent.CountDownLatch;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Runs mongo-java-server with its in-memory backend on 127.0.0.1:<port> for the test harness
 * (libs/testing/src/servers/mongo-java-server.ts), through Java's single-file source launcher:
 *   java -cp '<libs>/*' RosterMongoServer.java <port>
 * The library has no main class of its own. Nothing is persisted: the data lives as long as the process.
 */
public class RosterMongoServer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: java -cp '<libs>/*' RosterMongoServer.java <port>");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        // The default (MongoDB 3.6, wire version 6) is below what the mongodb 6 Node driver accepts (wire 8+).
        MongoServer server = new MongoServer(new MemoryBackend().version(ServerVersion.MONGO_5_0));
        server.bind("127.0.0.1", port);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (the harness's stop) runs the hook: close the listener and the backend, then exit 0.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            stopped.countDown();
        }, "roster-mongo-shutdown"));
        System.out.println("roster-mongo-java-server ready on " + server.getConnectionString());
        System.out.flush();
        stopped.await();
    }
}
