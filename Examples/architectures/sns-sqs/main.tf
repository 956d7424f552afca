# Fan-out: an SNS topic delivers every published event to an SQS queue subscribed to it.
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

resource "aws_sns_topic" "events" {
  name = "lsqm-example-events"
}

resource "aws_sqs_queue" "subscriber" {
  name = "lsqm-example-events-subscriber"
}

data "aws_iam_policy_document" "allow_topic" {
  statement {
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.subscriber.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.events.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "subscriber" {
  queue_url = aws_sqs_queue.subscriber.id
  policy    = data.aws_iam_policy_document.allow_topic.json
}

resource "aws_sns_topic_subscription" "queue" {
  topic_arn            = aws_sns_topic.events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.subscriber.arn
  raw_message_delivery = true
}

output "topic_arn" {
  value = aws_sns_topic.events.arn
}

output "queue_url" {
  value = aws_sqs_queue.subscriber.url
}
