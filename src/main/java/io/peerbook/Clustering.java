package io.peerbook;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.peerbook.config.PeerbookConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Joins the Hazelcast cluster: {@code cluster.xml} (or {@code -Dvertx.hazelcast.config}) as the base, with the
 * cluster name, port, members and event-bus host of the configuration laid over it.
 */
public final class Clustering {
  private Clustering() {
  }

  public static Future<Vertx> start(PeerbookConfig cfg) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cfg.clusterName());
    hz.getNetworkConfig().setPort(cfg.clusterPort()).setPortAutoIncrement(true);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    if (!cfg.clusterMembers().isEmpty()) {
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(cfg.clusterMembers());
    }
    VertxOptions options = new VertxOptions();
    // 0 picks a free port; a container publishes a fixed one.
    options.getEventBusOptions().setPort(cfg.clusterBusPort());
    if (cfg.clusterHost() != null) {
      hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(cfg.clusterHost());
      hz.setProperty("hazelcast.local.localAddress", cfg.clusterHost());
      options.getEventBusOptions().setHost(cfg.clusterHost());
    }
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }
}
