/*
 * kafka-mock-cluster: starts a librdkafka mock cluster on 127.0.0.1 for integration tests. The tests
 * compile it on first use (Tests/TestSupport/KafkaMockCluster.swift), so building the package needs no
 * librdkafka.
 *
 * Usage: kafka-mock-cluster [--brokers N] [--apiversion key:min:max]... [topic:partitions:replication]...
 *
 * Prints the bootstrap servers on the first stdout line, then reads commands on stdin:
 *   down <brokerId>                         refuse connections on a broker
 *   up <brokerId>                           accept connections again
 *   leader <topic> <partition> <brokerId>   set a partition's leader (-1 for none)
 *   rack <brokerId> <rack>                  set a broker's rack
 *   quit                                    exit (so does end of input)
 * Each command is answered with one line: "ok" or "error <text>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk; (void)level; (void)fac; (void)buf;
}

static void reply(rd_kafka_resp_err_t err) {
    if (err)
        printf("error %s\n", rd_kafka_err2str(err));
    else
        printf("ok\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    int brokers = 3;
    char errstr[512];
    int first_topic = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
            brokers = atoi(argv[++i]);
            first_topic = i + 1;
        } else if (strcmp(argv[i], "--apiversion") == 0 && i + 1 < argc) {
            first_topic = i + 2;
            i++;
        } else {
            break;
        }
    }
    if (brokers < 1) {
        fprintf(stderr, "broker count must be at least 1\n");
        return 2;
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle is only needed for book keeping; keep it quiet and local. */
    rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", errstr, sizeof(errstr));
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "rd_kafka_new failed: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--brokers") == 0) {
            i++;
        } else if (strcmp(argv[i], "--apiversion") == 0 && i + 1 < argc) {
            int key, lo, hi;
            if (sscanf(argv[++i], "%d:%d:%d", &key, &lo, &hi) != 3) {
                fprintf(stderr, "bad --apiversion %s (want key:min:max)\n", argv[i]);
                return 2;
            }
            rd_kafka_resp_err_t err = rd_kafka_mock_set_apiversion(mc, (int16_t)key, (int16_t)lo, (int16_t)hi);
            if (err) {
                fprintf(stderr, "set_apiversion %s: %s\n", argv[i], rd_kafka_err2str(err));
                return 1;
            }
        }
    }
    for (int i = first_topic; i < argc; i++) {
        char name[256];
        int partitions = 0, replication = 0;
        if (sscanf(argv[i], "%255[^:]:%d:%d", name, &partitions, &replication) != 3) {
            fprintf(stderr, "bad topic %s (want name:partitions:replication)\n", argv[i]);
            return 2;
        }
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, replication);
        if (err) {
            fprintf(stderr, "topic_create %s: %s\n", argv[i], rd_kafka_err2str(err));
            return 1;
        }
    }

    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    char line[1024];
    while (fgets(line, sizeof(line), stdin)) {
        char cmd[32], arg1[256], arg2[256];
        int id, partition;
        int n = sscanf(line, "%31s %255s %255s", cmd, arg1, arg2);
        if (n < 1)
            continue;
        if (strcmp(cmd, "quit") == 0)
            break;
        if (strcmp(cmd, "down") == 0 && n >= 2) {
            reply(rd_kafka_mock_broker_set_down(mc, atoi(arg1)));
        } else if (strcmp(cmd, "up") == 0 && n >= 2) {
            reply(rd_kafka_mock_broker_set_up(mc, atoi(arg1)));
        } else if (strcmp(cmd, "rack") == 0 && n >= 3) {
            reply(rd_kafka_mock_broker_set_rack(mc, atoi(arg1), arg2));
        } else if (strcmp(cmd, "leader") == 0 &&
                   sscanf(line, "%*s %255s %d %d", arg1, &partition, &id) == 3) {
            reply(rd_kafka_mock_partition_set_leader(mc, arg1, partition, id));
        } else {
            printf("error unknown command\n");
            fflush(stdout);
        }
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
