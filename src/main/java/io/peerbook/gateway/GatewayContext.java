package io.peerbook.gateway;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.relay.Forwarding;
import io.peerbook.relay.LocalPeers;
import io.vertx.core.Vertx;

/** What every socket of one gateway instance shares. */
record GatewayContext(Vertx vertx, PeerbookConfig cfg, String gatewayId, Connections connections, IceServers ice,
                      Forwarding forwarding, LocalPeers peers, Leaving leaving) {
}
