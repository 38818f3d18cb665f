# peerbook: build with Maven, run on a JRE as a non-root user.
#   docker build -t peerbook .
#   docker run -p 8080:8080 peerbook
# Not built on the project's machines (no Docker engine there); docs/operations.md says how its steps are exercised.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY .mvn .mvn
RUN mvn dependency:go-offline -q
COPY cluster.xml ./
COPY src src
RUN mvn package -DskipTests -q

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin peerbook
WORKDIR /app
COPY --from=build /src/target/peerbook.jar /app/peerbook.jar
COPY conf /app/conf
COPY cluster.xml /app/cluster.xml
RUN mkdir -p /app/data && chown peerbook:peerbook /app/data
USER peerbook

# HTTP, Hazelcast, event bus (fixed so it can be published; 0 would pick a random one)
ENV PEERBOOK_HTTP_PORT=8080 \
    PEERBOOK_CLUSTER_PORT=5701 \
    PEERBOOK_CLUSTER_BUS_PORT=5801 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Dvertx.hazelcast.config=/app/cluster.xml"
EXPOSE 8080 5701 5801
VOLUME ["/app/data"]

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1

# exec: java is PID 1's child no more, so SIGTERM reaches it and the shutdown closes sockets with 1001.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/peerbook.jar"]
