package io.peerbook.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;
import java.util.function.Consumer;

/**
 * What this node knows of its Hazelcast cluster: its own member id, who else is a member, and whether it is joined.
 * Built from the cluster manager {@link Clustering} made and handed to the verticles that ask, so nothing reaches for
 * it through Vert.x internals; an unclustered node is a cluster of one.
 */
public interface ClusterView {

  /** This node's id: its cluster member id when clustered. */
  String nodeId();

  /** True while this node is joined (always, unclustered). */
  boolean active();

  /** The member ids of the cluster as this node sees it (this node only, unclustered). */
  List<String> members();

  /** Calls {@code left} with the id of each member that leaves the cluster (never, unclustered); any thread. */
  void onLeave(Consumer<String> left);

  /** True when {@code node} is this node or a member of its cluster. */
  default boolean isMember(String node) {
    return node != null && (nodeId().equals(node) || active() && members().contains(node));
  }

  static ClusterView standalone(String nodeId) {
    return new ClusterView() {
      @Override
      public String nodeId() {
        return nodeId;
      }

      @Override
      public boolean active() {
        return true;
      }

      @Override
      public List<String> members() {
        return List.of(nodeId);
      }

      @Override
      public void onLeave(Consumer<String> left) {
        // a cluster of one: nobody leaves
      }
    };
  }

  /** A member id is its Hazelcast member UUID: what Vert.x and Hazelcast both call the node. */
  static ClusterView of(HazelcastClusterManager manager) {
    return new ClusterView() {
      @Override
      public String nodeId() {
        return manager.getNodeId();
      }

      @Override
      public boolean active() {
        // The manager still says it is active after its Hazelcast instance terminated (a crash of the member, a
        // failed merge after a split): the instance's own lifecycle tells.
        HazelcastInstance instance = manager.getHazelcastInstance();
        return manager.isActive() && instance != null && instance.getLifecycleService().isRunning();
      }

      @Override
      public List<String> members() {
        return manager.getNodes();
      }

      @Override
      public void onLeave(Consumer<String> left) {
        manager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            left.accept(event.getMember().getUuid().toString());
          }
        });
      }
    };
  }
}
