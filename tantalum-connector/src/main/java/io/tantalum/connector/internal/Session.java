package io.tantalum.connector.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session: greets the client, verifies its password against the account's hash,
 * opens a backend session for the same user where the router says, then relays packets both ways
 * while a {@link ResponseTracker} follows command boundaries and transaction state. During a
 * switch it is held at a transaction boundary and moved to the new master ({@link SessionMove}).
 * Runs on the client channel's event loop (the backend channel shares it): no locks.
 */
public final class Session extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The capabilities offered to clients: what MariaDB 10.2+ and MySQL 5.7+ servers all speak, without TLS or compression. */
    static final int CAPABILITIES = 2 | 4 | MySqlWire.CLIENT_CONNECT_WITH_DB | 64 | MySqlWire.CLIENT_LOCAL_FILES | 256
            | MySqlWire.CLIENT_PROTOCOL_41 | 1024 | 4096 | MySqlWire.CLIENT_TRANSACTIONS
            | MySqlWire.CLIENT_SECURE_CONNECTION | MySqlWire.CLIENT_MULTI_STATEMENTS | MySqlWire.CLIENT_MULTI_RESULTS
            | MySqlWire.CLIENT_PS_MULTI_RESULTS | MySqlWire.CLIENT_PLUGIN_AUTH | MySqlWire.CLIENT_CONNECT_ATTRS
            | MySqlWire.CLIENT_PLUGIN_AUTH_LENENC_DATA | MySqlWire.CLIENT_SESSION_TRACK | MySqlWire.CLIENT_DEPRECATE_EOF;

    /**
     * The MariaDB extended capabilities offered to clients, when the master offers them too: only
     * those that leave the packets the {@link ResponseTracker} counts as they are (not progress
     * reports, bulk execution or metadata caching).
     */
    static final int MARIADB_CAPABILITIES = MySqlWire.MARIADB_CLIENT_EXTENDED_METADATA;

    private enum State { GREETED, AUTH_SWITCHED, AUTHENTICATING, WAITING_FOR_MASTER, CONNECTING, RELAYING, CLOSED }

    /** Where the session is in a switch: not held, held at its next boundary, held, being moved. */
    enum Hold { NONE, WAITING, HELD, MOVING }

    final SessionContext context;
    private final boolean readOnly;
    Channel client;
    Channel backend;
    private State state;
    private byte[] scramble;
    HandshakeResponse hello;
    private int sequence;
    private byte[] stage1;
    ResponseTracker tracker;
    String backendHost;
    long id;
    volatile Hold hold = Hold.NONE;
    /** Client packets that arrived while the session was held, in order. */
    final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    final StatementIds ids = new StatementIds();
    final ParameterTypes types = new ParameterTypes();
    /** A switch or the master's failure ended this session's transaction: the client's next command gets this error. */
    String doomed;
    static final String ROLLED_BACK_BY_SWITCH = "Tantalum connector: your transaction was rolled back because it was"
            + " still open when a switch of the master ended its grace period. Nothing of it was committed; run the"
            + " transaction again.";
    static final String LOST_WITH_MASTER = "Tantalum connector: your transaction ended with the master's"
            + " connection (the master failed, or ended the session): nothing of it was committed, unless the statement"
            + " that got the lost-connection error was its COMMIT. The session goes on: run the transaction again.";
    /** When the session's backend died under it (System.nanoTime; 0: it did not); it reconnects until the limit. */
    private long orphanedSince;
    /** The last sequence id relayed in the current command (an error in its middle continues from it). */
    private int lastSequence;
    /** Set when the session no longer needs the switch to wait for it (held, or not affected). */
    private volatile boolean settled = true;
    private final SessionMove move;
    /** How long a new session waits for a master to route to before it gets an error. */
    static final int WAIT_LIMIT_SECONDS = 30;
    private io.netty.util.concurrent.ScheduledFuture<?> waitLimit;
    /** Why the session waits for a master, when it is not a switch or ZooKeeper (the routed host does not answer). */
    private String waitProblem;

    public Session(SessionContext context, boolean readOnly) {
        this.context = context;
        this.readOnly = readOnly;
        this.move = new SessionMove(this);
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** The host this session's backend is on (null before it is connected). */
    public String backendHost() {
        return backendHost;
    }

    /** True while a switch holds the session (or moves it). */
    public boolean held() {
        Hold h = hold;
        return h == Hold.HELD || h == Hold.MOVING;
    }

    /** True once the session needs nothing more from a hold in progress. */
    public boolean settled() {
        return settled;
    }

    /** The session's event loop: hold and release requests run there. */
    public io.netty.channel.EventLoop eventLoop() {
        return client.eventLoop();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        id = context.nextConnectionId();
        scramble = ServerGreeting.newScramble(RANDOM);
        ServerGreeting g = new ServerGreeting(context.serverVersion(), id, CAPABILITIES, context.serverCharset(),
                MySqlWire.SERVER_STATUS_AUTOCOMMIT, context.serverMariaDbCapabilities() & MARIADB_CAPABILITIES, scramble,
                NativePassword.PLUGIN);
        client.writeAndFlush(MySqlWire.frame(client.alloc(), 0, g.encode(client.alloc())));
        state = State.GREETED;
        context.opened(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        context.relayed(frame.readableBytes(), 0);
        switch (state) {
            case GREETED -> {
                try {
                    greeted(frame);
                } finally {
                    frame.release();
                }
            }
            case AUTH_SWITCHED -> {
                sequence = MySqlWire.sequence(frame);
                byte[] answer = MySqlWire.readBytes(MySqlWire.payload(frame), MySqlWire.payloadLength(frame));
                frame.release();
                authenticate(answer);
            }
            case RELAYING -> fromClient(frame);
            default -> frame.release(); // nothing may come while the session logs in
        }
    }

    private void greeted(ByteBuf frame) {
        sequence = MySqlWire.sequence(frame);
        ByteBuf payload = MySqlWire.payload(frame);
        if (HandshakeResponse.isSslRequest(payload)) {
            fail(1043, "08S01", "TLS between clients and the Tantalum connector is not supported yet: connect without"
                    + " TLS (mariadb --skip-ssl, sslMode=disable)");
            return;
        }
        try {
            hello = HandshakeResponse.parse(payload);
        } catch (RuntimeException e) {
            fail(1043, "08S01", "Bad handshake");
            return;
        }
        if ((hello.capabilities() & MySqlWire.CLIENT_PLUGIN_AUTH) != 0 && !hello.authPlugin().isEmpty()
                && !hello.authPlugin().equals(NativePassword.PLUGIN)) {
            // ask for mysql_native_password, the plugin whose hash the connector can verify and reuse
            ByteBuf p = client.alloc().buffer();
            p.writeByte(0xfe);
            MySqlWire.writeNulString(p, NativePassword.PLUGIN);
            p.writeBytes(scramble).writeByte(0);
            client.writeAndFlush(MySqlWire.frame(client.alloc(), ++sequence, p));
            state = State.AUTH_SWITCHED;
            return;
        }
        authenticate(hello.authResponse());
    }

    private void authenticate(byte[] answer) {
        state = State.AUTHENTICATING;
        client.config().setAutoRead(false);
        String address = ((InetSocketAddress) client.remoteAddress()).getAddress().getHostAddress();
        context.accounts().find(hello.user(), address, a -> a.nativePassword()
                && NativePassword.verify(answer, scramble, a.hash()) != null).whenComplete((account, error) ->
                client.eventLoop().execute(() -> {
                    if (error != null) {
                        LOG.warn("session {}: cannot verify {}: {}", id, hello.user(), error.getMessage());
                        fail(1045, "28000", denied(address, answer));
                        return;
                    }
                    stage1 = account == null || !account.nativePassword() ? null
                            : NativePassword.verify(answer, scramble, account.hash());
                    if (stage1 == null) {
                        if (account != null && !account.nativePassword()) {
                            LOG.info("session {}: {}@{} uses {}: only mysql_native_password accounts log in through"
                                    + " the connector", id, account.user(), account.host(), account.plugin());
                        }
                        fail(1045, "28000", denied(address, answer));
                        return;
                    }
                    connectBackend();
                }));
    }

    private String denied(String address, byte[] answer) {
        return "Access denied for user '" + hello.user() + "'@'" + address + "' (using password: "
                + (answer.length > 0 ? "YES" : "NO") + ")";
    }

    /** Logs in to the backend the router names; waits while a switch holds sessions. */
    private void connectBackend() {
        if (state == State.CLOSED) {
            return;
        }
        if (context.holding()) {
            waitForMaster(); // released by release()
            return;
        }
        state = State.CONNECTING;
        openBackend();
    }

    /** A new session waits for a route (a switch, or ZooKeeper out of reach), {@link #WAIT_LIMIT_SECONDS} at most. */
    private void waitForMaster() {
        state = State.WAITING_FOR_MASTER;
        if (waitLimit == null) {
            waitLimit = client.eventLoop().schedule(() -> {
                if (state == State.WAITING_FOR_MASTER) {
                    fail(2003, "08S01", "The Tantalum connector waited " + WAIT_LIMIT_SECONDS + " s for a master to"
                            + " route this session to: " + (waitProblem != null ? waitProblem : "ZooKeeper cannot be"
                            + " reached and the master it last knew is not confirmed writable, or a switch has not"
                            + " ended") + ". Retry; `cctrl ls` shows the dataservice.");
                }
            }, WAIT_LIMIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A route may exist now (ZooKeeper is back, or the last known master was seen writable). */
    public void retryRoute() {
        if (state == State.WAITING_FOR_MASTER && !context.holding()) {
            connectBackend();
        } else if (orphanedSince != 0) {
            reconnect();
        }
    }

    /** Opens a backend channel to the current route; its login ends in {@link #backendReady}. */
    void openBackend() {
        Optional<SessionContext.Route> route = context.route(readOnly);
        if (route.isEmpty() && hold != Hold.MOVING && state == State.CONNECTING && context.routeMayAppear()) {
            waitForMaster();
            return;
        }
        if (route.isEmpty()) {
            unreachable("The Tantalum connector has no master to route to: the dataservice's topology names"
                    + " none, or ZooKeeper cannot be reached. Retry; `cctrl ls` shows the dataservice.");
            return;
        }
        backendHost = route.get().host();
        new Bootstrap().group(client.eventLoop()).channel(client.getClass().asSubclass(Channel.class))
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 3000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Frames.decoder(), new BackendLink(Session.this, hello, stage1));
                    }
                }).connect(route.get().address()).addListener((ChannelFutureListener) f -> {
                    if (state == State.CLOSED) {
                        f.channel().close(); // the client left while the backend was being reached
                    } else if (!f.isSuccess()) {
                        cannotConnect("The Tantalum connector cannot reach " + backendHost + " at "
                                + route.get().address() + ": " + f.cause().getMessage());
                    } else {
                        backend = f.channel();
                    }
                });
    }

    /**
     * The routed host does not answer: a new session waits for it to come back or to be replaced (a
     * failover), trying every 500 ms within the wait limit; a moving one as {@link #unreachable}.
     */
    private void cannotConnect(String message) {
        if (state == State.CONNECTING && hold == Hold.NONE) {
            waitProblem = message;
            waitForMaster();
            client.eventLoop().schedule(this::retryRoute, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        unreachable(message);
    }

    /** No backend for this session: a new one ends with the error, a moving one with its pending command's. */
    private void unreachable(String message) {
        if (hold == Hold.MOVING && orphanedSince != 0) {
            hold = Hold.HELD; // still no master to reach: try again shortly
            reconnectSoon(500);
            return;
        }
        if (hold == Hold.MOVING) {
            move.failed(message);
        } else {
            fail(2003, "08S01", message);
        }
    }

    /** The backend accepted the login: a new session gets its OK; a moved one has its state restored. */
    void backendReady(Channel ch, ByteBuf ok) {
        if (state == State.CLOSED) {
            ok.release();
            ch.close();
            return;
        }
        backend = ch;
        if (hold == Hold.MOVING) {
            ok.release();
            move.restore();
            return;
        }
        if (state != State.CONNECTING) {
            ok.release();
            return;
        }
        Optional<SessionContext.Route> now = readOnly ? Optional.empty() : context.route(false);
        if (now.isPresent() && !now.get().host().equals(backendHost)) {
            ok.release(); // a switch named another master while this session logged in: log in there
            closeBackend();
            openBackend();
            return;
        }
        tracker = new ResponseTracker((hello.capabilities() & MySqlWire.CLIENT_DEPRECATE_EOF) != 0, hello.database(),
                MySqlWire.okStatus(ok));
        state = State.RELAYING;
        client.writeAndFlush(MySqlWire.withSequence(ok, sequence + 1));
        client.config().setAutoRead(true);
        LOG.debug("session {}: {} on {}", id, hello.user(), backendHost);
        if (context.holding()) {
            requestHold(null); // a hold began while this session logged in
        }
    }

    /** The backend refused the login (its ERR goes to the client as is) or failed. */
    void backendFailed(ByteBuf err, String why) {
        if (hold == Hold.MOVING && orphanedSince != 0) {
            if (err != null) {
                err.release(); // a server still starting, say: try again shortly
            }
            hold = Hold.HELD;
            closeBackend();
            reconnectSoon(500);
            return;
        }
        if (hold == Hold.MOVING) {
            String reason = err != null ? MySqlWire.describeError(err) : why;
            if (err != null) {
                err.release();
            }
            move.failed("the new master refused the session's login: " + reason);
            return;
        }
        if (err != null) {
            LOG.info("session {}: {} refused {}: {}", id, backendHost, hello.user(), MySqlWire.describeError(err));
            context.failed("backend_refused");
            client.writeAndFlush(MySqlWire.withSequence(err, sequence + 1)).addListener(ChannelFutureListener.CLOSE);
            state = State.CLOSED;
            closeBackend();
        } else {
            fail(2013, "08S01", "Lost connection to " + backendHost + " while logging in: " + why);
        }
    }

    void fromBackend(Channel ch, ByteBuf frame) {
        context.relayed(0, frame.readableBytes());
        if (ch != backend) {
            frame.release(); // the rest of a response from a backend this session left
            return;
        }
        if (move.consumes(frame)) {
            return;
        }
        if (state != State.RELAYING) {
            frame.release();
            return;
        }
        if (tracker.expectsPrepareOk() && MySqlWire.payloadLength(frame) >= 9 && MySqlWire.payloadByte(frame, 0) == 0) {
            ids.toClient(frame);
        }
        lastSequence = MySqlWire.sequence(frame);
        boolean ended = tracker.serverPacket(frame);
        client.write(frame, client.voidPromise());
        if (!client.isWritable()) {
            backend.config().setAutoRead(false); // the client reads slower than the server sends
        }
        if (ended && tracker.takeReset()) {
            types.clear();
            ids.reset();
        }
        if (ended && hold == Hold.WAITING && tracker.movable()) {
            holdNow();
        }
    }

    void flushClient() {
        client.flush();
    }

    void backendClosed(Channel ch) {
        if (ch != backend) {
            return; // a backend this session left
        }
        backend = null;
        if (hold == Hold.MOVING && orphanedSince != 0) {
            move.dropInternal(); // the host it reconnected to went away again (a server still dying): retry
            hold = Hold.HELD;
            reconnectSoon(500);
            return;
        }
        if (hold != Hold.NONE) {
            move.backendLost(); // the old master ended it (a switch's DEMOTE): the session moves on
            return;
        }
        if (state == State.RELAYING && !tracker.midRequest()) {
            orphan();
            return;
        }
        if (state == State.RELAYING || state == State.CONNECTING) {
            LOG.info("session {}: {} closed the connection", id, backendHost);
            state = State.CLOSED;
            if (tracker != null && !tracker.idle()) {
                // after what the client has not read yet (a result cut short): the error, then the close
                client.writeAndFlush(MySqlWire.frame(client.alloc(), (lastSequence + 1) & 0xff, MySqlWire.error(
                        client.alloc(), 2013, "08S01", "Lost connection to " + backendHost + " during the statement;"
                                + " its outcome is unknown"))).addListener(ChannelFutureListener.CLOSE);
            } else {
                client.close();
            }
        }
    }

    /** How long a session whose backend died keeps trying to reach a master before it ends. */
    static final int ORPHAN_LIMIT_SECONDS = 30;

    /**
     * The backend died under the session (the master failed, restarted, or ended the session): a
     * statement in flight gets an error saying its outcome is unknown, an open transaction is lost
     * (the next command says so), and the session itself stays: it is held and reconnects, with what
     * the protocol told of its state, to the master as soon as one is routable (the same host back, or
     * the one a failover promotes), within {@link #ORPHAN_LIMIT_SECONDS}.
     */
    private void orphan() {
        LOG.info("session {}: lost its connection to {}; it reconnects once a master is routable", id, backendHost);
        if (!tracker.idle()) {
            sendError(lastSequence + 1, 2013, "08S01", "Lost connection to " + backendHost + " during the statement;"
                    + " its outcome is unknown. The session stays open and goes on with the master once it is back"
                    + " or replaced.");
        }
        if (tracker.inTransaction()) {
            doomed = LOST_WITH_MASTER; // its next statement must not run outside the transaction it thinks it is in
        }
        tracker.restart(tracker.autocommit());
        orphanedSince = System.nanoTime();
        hold = Hold.HELD;
        client.config().setAutoRead(false);
        move.capture(() -> { }); // no backend: the state the protocol told
        reconnectSoon(0);
    }

    private void reconnectSoon(long delayMillis) {
        client.eventLoop().schedule(this::reconnect, delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** An orphaned session tries its route again (a switch's or failover's hold makes it wait for the release). */
    private void reconnect() {
        if (orphanedSince == 0 || hold != Hold.HELD || state != State.RELAYING) {
            return;
        }
        if (System.nanoTime() - orphanedSince > java.util.concurrent.TimeUnit.SECONDS.toNanos(ORPHAN_LIMIT_SECONDS)) {
            end("lost the connection to " + backendHost + " and no master could be reached for " + ORPHAN_LIMIT_SECONDS
                    + " s; reconnect and retry");
            return;
        }
        if (!context.holding() && context.route(readOnly).isPresent()) {
            move.start();
        } else {
            reconnectSoon(500);
        }
    }

    private void fromClient(ByteBuf frame) {
        if (hold == Hold.HELD || hold == Hold.MOVING) {
            queued.addLast(frame);
            return;
        }
        relayFromClient(frame);
    }

    /** Sends a client packet on to the backend (or holds it, when a hold waits for this boundary). */
    void relayFromClient(ByteBuf frame) {
        int length = MySqlWire.payloadLength(frame);
        boolean starts = tracker.startsCommand();
        boolean boundary = starts && tracker.idle();
        int command = length > 0 && starts ? MySqlWire.payloadByte(frame, 0) : -1;
        if (boundary && doomed != null && command != MySqlWire.COM_QUIT && command != MySqlWire.COM_STMT_CLOSE
                && command != MySqlWire.COM_STMT_SEND_LONG_DATA) {
            sendError(MySqlWire.sequence(frame) + 1, 1213, "40001", doomed);
            doomed = null;
            frame.release();
            return;
        }
        if (starts && hold == Hold.WAITING && tracker.movable()) {
            queued.addLast(frame);
            holdNow();
            return;
        }
        if (command == MySqlWire.COM_CHANGE_USER || command == MySqlWire.COM_BINLOG_DUMP
                || command == MySqlWire.COM_BINLOG_DUMP_GTID || command == MySqlWire.COM_REGISTER_SLAVE) {
            frame.release();
            String why = "This command is not supported through the Tantalum connector (command 0x"
                    + Integer.toHexString(command) + "); connect to the database directly for it";
            if (boundary) {
                sendError(1, 1235, "42000", why);
            } else {
                end(why); // sent behind other commands: an error now would answer one of them
            }
            return;
        }
        tracker.clientPacket(frame);
        lastSequence = MySqlWire.sequence(frame);
        if (command == MySqlWire.COM_QUIT) {
            state = State.CLOSED; // the server ends its session cleanly, then both sides close
            backend.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
            client.close();
            return;
        }
        if (command == MySqlWire.COM_STMT_EXECUTE) {
            frame = types.execute(frame, tracker.prepared());
        } else if (command == MySqlWire.COM_STMT_CLOSE && length >= 5) {
            types.closed(frame.getUnsignedIntLE(frame.readerIndex() + 5));
        }
        if (command >= 0) {
            ids.toServer(frame);
        }
        backend.writeAndFlush(frame, backend.voidPromise());
        if (!backend.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    // ---- switch: hold, release ----

    /**
     * A switch asks to hold: read/write sessions, and read-only ones on {@code affected} hosts
     * (null: every session). Held at once between transactions, else at the transaction's end.
     */
    public void requestHold(Set<String> affected) {
        if (state != State.RELAYING || hold != Hold.NONE) {
            return; // logging in: it waits in connectBackend
        }
        if (readOnly && affected != null && !affected.contains(backendHost)) {
            return;
        }
        settled = false;
        if (tracker.movable()) {
            holdNow();
        } else {
            hold = Hold.WAITING;
        }
    }

    private void holdNow() {
        hold = Hold.HELD;
        client.config().setAutoRead(false);
        move.capture(() -> settled = true);
    }

    /** The grace period ended with this session's transaction still open: it is rolled back, the session stays. */
    public void endTransaction() {
        if (hold != Hold.WAITING) {
            return;
        }
        LOG.info("session {}: transaction still open at the end of the switch's grace period: rolled back", id);
        if (tracker.midRequest()) {
            settled = true;
            end("the switch's grace period ended while this session was still sending its request; its transaction"
                    + " was rolled back. Reconnect and run it again");
            return;
        }
        boolean waiting = !tracker.idle();
        hold = Hold.HELD;
        client.config().setAutoRead(false);
        move.forget();
        Channel b = backend;
        backend = null;
        if (b != null) {
            b.close(); // the server rolls the transaction back
        }
        if (waiting) {
            // the statement in flight may be a commit (autocommit, or COMMIT itself) that the old master completes
            // even as its connection closes, e.g. one waiting for a semi-sync acknowledgement: its outcome is unknown
            tracker.restart(tracker.autocommit());
            sendError(lastSequence + 1, 2013, "08S01", "The master changed while this session's statement was still"
                    + " running on " + backendHost + " (a switch or failover ended it); its outcome is unknown: if it"
                    + " was a commit (autocommit, or COMMIT) it may have been committed, otherwise its transaction was"
                    + " rolled back. The session stays open and goes on with the new master.");
        } else {
            doomed = ROLLED_BACK_BY_SWITCH;
        }
        settled = true;
    }

    /** The switch is over: the session goes on where the topology now sends it. */
    public void release() {
        if (state == State.WAITING_FOR_MASTER) {
            connectBackend();
            return;
        }
        settled = true;
        if (hold == Hold.WAITING) {
            hold = Hold.NONE;
            return;
        }
        if (hold == Hold.HELD) {
            move.start();
        }
    }

    /** Back to relaying after a hold or a move: queued packets go first, in order. */
    void resume() {
        hold = Hold.NONE;
        orphanedSince = 0;
        while (!queued.isEmpty() && hold == Hold.NONE && state == State.RELAYING) {
            relayFromClient(queued.removeFirst());
        }
        if (hold == Hold.NONE) {
            client.config().setAutoRead(true);
            if (context.holding()) {
                requestHold(null); // a new switch began while this session moved
            }
        }
    }

    void sendError(int seq, int code, String sqlState, String message) {
        client.writeAndFlush(MySqlWire.frame(client.alloc(), seq & 0xff, MySqlWire.error(client.alloc(), code,
                sqlState, message)));
    }

    /** Ends the session with an error the client reads (as the answer to its pending command, if any). */
    void end(String message) {
        LOG.warn("session {}: {}", id, message);
        ByteBuf first = queued.peekFirst();
        int seq = first != null ? MySqlWire.sequence(first) + 1 : lastSequence + 1;
        queued.forEach(ByteBuf::release);
        queued.clear();
        state = State.CLOSED;
        client.writeAndFlush(MySqlWire.frame(client.alloc(), seq & 0xff, MySqlWire.error(client.alloc(), 2013, "08S01",
                "Tantalum connector: " + message))).addListener(ChannelFutureListener.CLOSE);
        closeBackend();
    }

    void backendWritable(boolean writable) {
        if (writable && state == State.RELAYING && hold == Hold.NONE) {
            client.config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (client.isWritable() && backend != null) {
            backend.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        settled = true;
        queued.forEach(ByteBuf::release);
        queued.clear();
        closeBackend();
        context.closed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("session {}: {}", id, cause.toString());
        if (state == State.RELAYING && cause instanceof io.netty.handler.codec.DecoderException) {
            fail(1156, "08S01", "Got packets out of order or malformed from the client: " + cause.getMessage());
        } else {
            ctx.close();
        }
    }

    /** The cause a connector error code stands for in the metrics (docs/metrics.md). */
    static String cause(int code) {
        return switch (code) {
            case 1043 -> "bad_handshake";
            case 1045 -> "access_denied";
            case 1156 -> "malformed_packets";
            case 2003 -> "no_backend";
            case 2013 -> "backend_lost";
            default -> "other";
        };
    }

    private void fail(int code, String sqlState, String message) {
        context.failed(cause(code));
        state = State.CLOSED;
        settled = true;
        if (client.isActive()) {
            client.writeAndFlush(MySqlWire.frame(client.alloc(), sequence + 1, MySqlWire.error(client.alloc(), code,
                    sqlState, message))).addListener(ChannelFutureListener.CLOSE);
        }
        closeBackend();
    }

    void closeBackend() {
        Channel b = backend;
        backend = null;
        if (b != null) {
            b.close();
        }
    }

    @Override
    public String toString() {
        return "session " + id + " (" + (hello == null ? "?" : hello.user()) + (readOnly ? ", read-only" : "") + " on "
                + backendHost + ")";
    }
}
