# Orders API backend: a DynamoDB table and a Lambda function that reads and writes it.
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

resource "aws_dynamodb_table" "orders" {
  name         = "lsqm-example-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "order_id"

  attribute {
    name = "order_id"
    type = "S"
  }
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

resource "aws_iam_role" "handler" {
  name               = "lsqm-example-orders-handler"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy" "table_access" {
  name = "table-access"
  role = aws_iam_role.handler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      Resource = aws_dynamodb_table.orders.arn
    }]
  })
}

# handler.zip holds handler.py. It is committed rather than built with the archive provider because
# only hashicorp/aws is available offline (see README.md next to this file).
resource "aws_lambda_function" "orders" {
  function_name    = "lsqm-example-orders"
  role             = aws_iam_role.handler.arn
  runtime          = "python3.12"
  handler          = "handler.handler"
  filename         = "${path.module}/handler.zip"
  source_code_hash = filebase64sha256("${path.module}/handler.zip")
  timeout          = 10

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.orders.name
    }
  }
}

output "table_name" {
  value = aws_dynamodb_table.orders.name
}

output "function_name" {
  value = aws_lambda_function.orders.function_name
}
