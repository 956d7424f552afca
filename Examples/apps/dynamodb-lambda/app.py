"""Orders: saved to and read from the orders table; the Lambda function serves the same table."""


def save_order(dynamodb, table_name, order_id, item):
    dynamodb.put_item(TableName=table_name, Item={"order_id": {"S": order_id}, "item": {"S": item}})


def get_order(dynamodb, table_name, order_id):
    """The order as a dict, or None when it does not exist."""
    found = dynamodb.get_item(TableName=table_name, Key={"order_id": {"S": order_id}}).get("Item")
    if found is None:
        return None
    return {name: value["S"] for name, value in found.items()}


def handler_table(lambda_client, function_name):
    """The table the function is configured to use."""
    configuration = lambda_client.get_function_configuration(FunctionName=function_name)
    return configuration["Environment"]["Variables"]["TABLE_NAME"]
