# Document intake: uploads land in a bucket, a queue carries one job per upload.
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

resource "aws_s3_bucket" "documents" {
  bucket = "lsqm-example-intake-documents"
  # Tests write objects; without this, destroy fails with BucketNotEmpty.
  force_destroy = true
}

resource "aws_sqs_queue" "jobs" {
  name                       = "lsqm-example-intake-jobs"
  visibility_timeout_seconds = 30
  message_retention_seconds  = 3600
}

output "bucket_name" {
  value = aws_s3_bucket.documents.bucket
}

output "queue_url" {
  value = aws_sqs_queue.jobs.url
}

output "queue_arn" {
  value = aws_sqs_queue.jobs.arn
}
