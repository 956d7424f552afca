# Generation-only fixture (never deployed): one resource of each remaining service the rules know.
resource "aws_lambda_function" "api" {
  function_name = "catalog-api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "lambda.zip"

  environment {
    variables = {
      TABLE = "catalog"
    }
  }
}

resource "aws_iam_role" "api" {
  name_prefix        = "catalog-"
  assume_role_policy = "{}"
}

resource "aws_iam_policy" "read" {
  name   = "catalog-read"
  policy = "{}"
}

resource "aws_sfn_state_machine" "flow" {
  name       = "catalog-flow"
  role_arn   = aws_iam_role.api.arn
  definition = jsonencode({ StartAt = "Done", States = { Done = { Type = "Pass", End = true } } })
}

resource "aws_api_gateway_rest_api" "shop" {
  name = "catalog-shop"
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.shop.id
  parent_id   = aws_api_gateway_rest_api.shop.root_resource_id
  path_part   = "orders"
}

resource "aws_kinesis_stream" "clicks" {
  name        = "catalog-clicks"
  shard_count = 1
}

resource "aws_sqs_queue" "jobs" {
  name       = "jobs"
  fifo_queue = true
}

resource "aws_sqs_queue" "shards" {
  count = 2
  name  = "shard-${count.index}"
}

output "state_machine" {
  value = aws_sfn_state_machine.flow.arn
}

resource "aws_api_gateway_method" "list_orders" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "list_orders" {
  rest_api_id       = aws_api_gateway_rest_api.shop.id
  resource_id       = aws_api_gateway_resource.orders.id
  http_method       = aws_api_gateway_method.list_orders.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method" "health" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_rest_api.shop.root_resource_id
  http_method   = "HEAD"
  authorization = "NONE"
}
