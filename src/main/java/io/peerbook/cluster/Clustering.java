package io.peerbook.cluster;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.peerbook.config.ConfigException;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Joins the Hazelcast cluster: {@code cluster.xml} (or {@code -Dvertx.hazelcast.config}) as the base, with the
 * cluster name, port, members and event-bus host of the configuration laid over it.
 */
public final class Clustering {
  private static final Logger LOG = LoggerFactory.getLogger(Clustering.class);

  private Clustering() {
  }

  /** A clustered Vert.x instance with the view of the cluster its verticles are handed. */
  public record Joined(Vertx vertx, ClusterView view) {
  }

  public static Future<Joined> start(PeerbookConfig cfg) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cfg.clusterName());
    hz.getNetworkConfig().setPort(cfg.clusterPort()).setPortAutoIncrement(true);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    if (!cfg.clusterMembers().isEmpty()) {
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(cfg.clusterMembers());
    }
    VertxOptions options = Meters.vertxOptions();
    // 0 picks a free port; a container publishes a fixed one.
    options.getEventBusOptions().setPort(cfg.clusterBusPort());
    if (cfg.clusterHost() != null) {
      // Hazelcast wants an address, not a name (a container's hostname, say): resolve it once, here.
      String address = resolve(cfg.clusterHost());
      hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(address);
      hz.setProperty("hazelcast.local.localAddress", address);
      options.getEventBusOptions().setHost(address);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(hz);
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered().map(vertx -> {
      logMembership(manager);
      return new Joined(vertx, ClusterView.of(manager));
    });
  }

  /**
   * Says who this node is in the cluster, and each member that joins or leaves, with the member count (Hazelcast's own
   * logs stay at WARN). A node's id is its Hazelcast member UUID, in peerbook's log and in Hazelcast's alike.
   */
  private static void logMembership(HazelcastClusterManager manager) {
    Cluster cluster = manager.getHazelcastInstance().getCluster();
    LOG.info("joined cluster {} as member {} at {} ({} members)", manager.getConfig().getClusterName(),
        manager.getNodeId(), cluster.getLocalMember().getAddress(), cluster.getMembers().size());
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        LOG.info("cluster member {} at {} joined ({} members)", event.getMember().getUuid(),
            event.getMember().getAddress(), event.getMembers().size());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        LOG.info("cluster member {} at {} left ({} members)", event.getMember().getUuid(),
            event.getMember().getAddress(), event.getMembers().size());
      }
    });
  }

  private static String resolve(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException("cluster_host '" + host + "' cannot be resolved");
    }
  }
}
