// The PeerJS server (npm package `peer`) as the benchmark's reference: its own PeerServer on 127.0.0.1:<port>, with
// the concurrent-connection cap raised so the idle run can open more than its default 5,000. Nothing is logged per
// connection or message. SIGUSR2 runs a full GC (node --expose-gc) and prints the V8 heap in use, for the idle run's
// memory figure.
import { PeerServer } from 'peer';

const port = Number(process.argv[2]);
PeerServer({ port, host: '127.0.0.1', concurrent_limit: 1_000_000 }, () => {
  console.log(`peerjs listening on 127.0.0.1:${port}`);
});
process.on('SIGUSR2', () => {
  if (global.gc) {
    global.gc();
  }
  console.log(`gc done heap_used=${process.memoryUsage().heapUsed}`);
});
