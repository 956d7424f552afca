from app import get_order, handler_table, save_order


def test_saved_order_can_be_read_back(client, outputs):
    dynamodb = client("dynamodb")
    save_order(dynamodb, outputs["table_name"], "o-1", "book")
    assert get_order(dynamodb, outputs["table_name"], "o-1") == {"order_id": "o-1", "item": "book"}


def test_unknown_order_is_none(client, outputs):
    assert get_order(client("dynamodb"), outputs["table_name"], "missing") is None


def test_function_serves_the_orders_table(client, outputs):
    assert handler_table(client("lambda"), outputs["function_name"]) == outputs["table_name"]
    assert client("lambda").get_function_configuration(FunctionName=outputs["function_name"])["Runtime"] == "python3.12"
