package io.peerbook.support;

import io.peerbook.support.RedisServers.Server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The two Redis setups that survive a failure, as real processes on loopback: a Sentinel-watched master set (one
 * master, one replica, three sentinels) and a Redis Cluster of three masters and three replicas made with
 * {@code redis-cli --cluster create}. Both detect a dead master within about a second.
 */
public final class RedisHa {
  private RedisHa() {
  }

  /** One master, one replica, three sentinels watching master set {@link #MASTER}. */
  public static final class Sentinels implements AutoCloseable {
    public static final String MASTER = "pbmaster";
    public final RedisServers servers = new RedisServers();
    public final Server master;
    public final Server replica;
    public final List<Server> sentinels = new ArrayList<>();

    public Sentinels() {
      master = servers.server();
      replica = servers.server("--replicaof", "127.0.0.1", String.valueOf(master.port));
      RedisServers.until(20, () -> replica.call("INFO", "replication").contains("master_link_status:up"),
          "the replica did not sync");
      for (int i = 0; i < 3; i++) {
        sentinels.add(servers.sentinel("sentinel monitor " + MASTER + " 127.0.0.1 " + master.port + " 2\n"
            + "sentinel down-after-milliseconds " + MASTER + " 1000\n"
            + "sentinel failover-timeout " + MASTER + " 10000\n"));
      }
      // A failover needs a quorum of sentinels that know each other and the replica (they learn it through the master).
      RedisServers.until(30, () -> sentinels.stream().allMatch(s -> lines(s.call("SENTINEL", "sentinels", MASTER))
          .stream().filter("name"::equals).count() == 2
          && s.call("SENTINEL", "replicas", MASTER).contains("127.0.0.1")), "the sentinels did not find each other");
    }

    /** PEERBOOK_REDIS_URL: the sentinels, comma-separated. */
    public String url() {
      return sentinels.stream().map(Server::url).collect(Collectors.joining(","));
    }

    /** The port of the master the sentinels name now. */
    public int masterPort() {
      for (Server s : sentinels) {
        if (s.alive()) {
          return Integer.parseInt(lines(s.call("SENTINEL", "get-master-addr-by-name", MASTER)).get(1));
        }
      }
      throw new IllegalStateException("no sentinel alive");
    }

    @Override
    public void close() {
      servers.close();
    }
  }

  /** A Redis Cluster of three masters, each with one replica. */
  public static final class Cluster implements AutoCloseable {
    public final RedisServers servers = new RedisServers();
    public final List<Server> nodes = new ArrayList<>();

    public Cluster() {
      for (int i = 0; i < 6; i++) {
        nodes.add(servers.server("--cluster-enabled", "yes", "--cluster-node-timeout", "1000",
            "--cluster-config-file", "nodes-" + i + "-" + System.nanoTime() + ".conf"));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      nodes.forEach(n -> create.add("127.0.0.1:" + n.port));
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      try {
        Process p = new ProcessBuilder(create).redirectErrorStream(true)
            .redirectOutput(servers.dir().resolve("create.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("redis-cli --cluster create failed; see " + servers.dir().resolve("create.log"));
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      // Every node says ok, and every slot range has its replica (a replica shows in CLUSTER SLOTS once in sync).
      RedisServers.until(30, () -> nodes.stream().allMatch(n -> n.call("CLUSTER", "INFO").contains("cluster_state:ok"))
          && lines(nodes.get(0).call("CLUSTER", "SLOTS")).stream().filter("127.0.0.1"::equals).count() == 6,
          "the cluster is not ok");
    }

    /** Kills a master and waits until its replica took over: every live node says ok and lists the dead one as failed. */
    public void failOver(Server master) {
      String id = master.call("CLUSTER", "MYID").trim();
      master.kill();
      RedisServers.until(30, () -> nodes.stream().filter(Server::alive).allMatch(n ->
          n.call("CLUSTER", "INFO").contains("cluster_state:ok") && Arrays.stream(n.call("CLUSTER", "NODES").split("\n"))
              .anyMatch(l -> l.startsWith(id) && l.contains("fail") && !l.contains("fail?"))), "no failover");
    }

    /** PEERBOOK_REDIS_URL: every node, comma-separated. */
    public String url() {
      return nodes.stream().map(Server::url).collect(Collectors.joining(","));
    }

    /** The master serving a key's slot now, as CLUSTER NODES on a live node says. */
    public Server masterOf(String key) {
      Server any = nodes.stream().filter(Server::alive).findFirst().orElseThrow();
      int slot = Integer.parseInt(any.call("CLUSTER", "KEYSLOT", key).trim());
      for (String line : any.call("CLUSTER", "NODES").split("\n")) {
        String[] f = line.split(" ");
        if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
          continue;
        }
        for (int i = 8; i < f.length; i++) {
          String[] range = f[i].split("-");
          int from = Integer.parseInt(range[0]);
          int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
          if (slot >= from && slot <= to) {
            int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
            return nodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
          }
        }
      }
      throw new IllegalStateException("no master for slot " + slot);
    }

    /** The live masters, as CLUSTER NODES on a live node says. */
    public List<Server> masters() {
      Server any = nodes.stream().filter(Server::alive).findFirst().orElseThrow();
      List<Server> masters = new ArrayList<>();
      for (String line : any.call("CLUSTER", "NODES").split("\n")) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[2].contains("master") && !f[2].contains("fail")) {
          int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
          nodes.stream().filter(n -> n.port == port).forEach(masters::add);
        }
      }
      return masters;
    }

    @Override
    public void close() {
      servers.close();
    }
  }

  static List<String> lines(String reply) {
    return Arrays.asList(reply.split("\n"));
  }
}
