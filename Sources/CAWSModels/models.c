// Written by scripts/gen-aws-models from botocore 1.43.11; do not edit.
// Each model is compiled in with C23 #embed: in .rodata, paged in only when a service is used.
#include "CAWSModels.h"
#include <string.h>

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char model_kafka[] = {
#embed "models/kafka.json"
};

static const unsigned char model_cloudwatch[] = {
#embed "models/cloudwatch.json"
};

static const unsigned char model_logs[] = {
#embed "models/logs.json"
};

static const unsigned char model_ec2[] = {
#embed "models/ec2.json"
};

static const unsigned char model_sns[] = {
#embed "models/sns.json"
};

static const unsigned char model_sqs[] = {
#embed "models/sqs.json"
};

static const unsigned char model_dynamodb[] = {
#embed "models/dynamodb.json"
};

static const unsigned char model_s3[] = {
#embed "models/s3.json"
};

static const unsigned char model_sts[] = {
#embed "models/sts.json"
};

static const unsigned char model_ssm[] = {
#embed "models/ssm.json"
};

static const unsigned char model_autoscaling[] = {
#embed "models/autoscaling.json"
};

static const unsigned char model_elbv2[] = {
#embed "models/elbv2.json"
};

static const unsigned char model_ecs[] = {
#embed "models/ecs.json"
};

static const unsigned char model_lambda[] = {
#embed "models/lambda.json"
};

static const unsigned char model_rds[] = {
#embed "models/rds.json"
};

static const unsigned char model_route53[] = {
#embed "models/route53.json"
};

static const struct { const char *name; const unsigned char *bytes; size_t size; } models[] = {
    {"kafka", model_kafka, sizeof model_kafka},
    {"cloudwatch", model_cloudwatch, sizeof model_cloudwatch},
    {"logs", model_logs, sizeof model_logs},
    {"ec2", model_ec2, sizeof model_ec2},
    {"sns", model_sns, sizeof model_sns},
    {"sqs", model_sqs, sizeof model_sqs},
    {"dynamodb", model_dynamodb, sizeof model_dynamodb},
    {"s3", model_s3, sizeof model_s3},
    {"sts", model_sts, sizeof model_sts},
    {"ssm", model_ssm, sizeof model_ssm},
    {"autoscaling", model_autoscaling, sizeof model_autoscaling},
    {"elbv2", model_elbv2, sizeof model_elbv2},
    {"ecs", model_ecs, sizeof model_ecs},
    {"lambda", model_lambda, sizeof model_lambda},
    {"rds", model_rds, sizeof model_rds},
    {"route53", model_route53, sizeof model_route53},
};

size_t cawsmodels_count(void) { return sizeof models / sizeof models[0]; }

const char *cawsmodels_name(size_t index) { return index < cawsmodels_count() ? models[index].name : NULL; }

const unsigned char *cawsmodels_find(const char *name, size_t *size) {
    for (size_t i = 0; i < cawsmodels_count(); i++) {
        if (strcmp(models[i].name, name) == 0) {
            *size = models[i].size;
            return models[i].bytes;
        }
    }
    *size = 0;
    return NULL;
}
