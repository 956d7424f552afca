# Order events: an API-less backend whose parts the rule generator must find and exercise. Names come from
# literals, variable defaults, outputs and listing, so every way of locating a resource is covered.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "prefix" {
  type    = string
  default = "lsqm-gen-fixture"
}

resource "aws_s3_bucket" "archive" {
  bucket        = "${var.prefix}-archive"
  force_destroy = true
}

resource "aws_sns_topic" "orders" {
  name = "${var.prefix}-orders"
}

resource "aws_sqs_queue" "audit" {
  # No output: found by its literal name.
  name = "${var.prefix}-audit"
}

data "aws_iam_policy_document" "topic_to_queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.audit.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
  }
}

resource "aws_sqs_queue_policy" "audit" {
  queue_url = aws_sqs_queue.audit.id
  policy    = data.aws_iam_policy_document.topic_to_queue.json
}

resource "aws_sns_topic_subscription" "audit" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.audit.arn
}

resource "aws_dynamodb_table" "orders" {
  name         = "${var.prefix}-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "customer"
  range_key    = "order_number"

  attribute {
    name = "customer"
    type = "S"
  }

  attribute {
    name = "order_number"
    type = "N"
  }
}

resource "aws_ssm_parameter" "mode" {
  name  = "/${var.prefix}/mode"
  type  = "String"
  value = "strict"
}

resource "aws_secretsmanager_secret" "api" {
  name                    = "${var.prefix}-api"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id     = aws_secretsmanager_secret.api.id
  secret_string = "not-a-real-secret"
}

resource "aws_kms_key" "data" {
  description             = "order data"
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_cloudwatch_event_bus" "orders" {
  name = "${var.prefix}-bus"
}

resource "aws_cloudwatch_event_rule" "created" {
  name           = "${var.prefix}-created"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern  = jsonencode({ source = ["shop.orders"] })
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "worker" {
  name               = "${var.prefix}-worker"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy" "worker" {
  name = "orders-access"
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["dynamodb:PutItem"], Resource = aws_dynamodb_table.orders.arn }]
  })
}

output "bucket" {
  value = aws_s3_bucket.archive.bucket
}

output "topic" {
  value = aws_sns_topic.orders.arn
}

output "table_arn" {
  value = aws_dynamodb_table.orders.arn
}
