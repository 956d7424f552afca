"""Stores an order in the table named by TABLE_NAME and returns it."""
import json
import os

import boto3


def handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    order = {"order_id": str(event["order_id"]), "item": str(event.get("item", "unknown"))}
    table.put_item(Item=order)
    return {"statusCode": 200, "body": json.dumps(order)}
