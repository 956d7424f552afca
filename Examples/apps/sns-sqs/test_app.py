from app import publish_event, receive_events


def test_published_event_reaches_the_subscribed_queue(client, outputs):
    publish_event(client("sns"), outputs["topic_arn"], "order_created", {"id": 7})
    assert receive_events(client("sqs"), outputs["queue_url"]) == [{"kind": "order_created", "payload": {"id": 7}}]


def test_the_queue_is_subscribed_to_the_topic(client, outputs):
    subscriptions = client("sns").list_subscriptions_by_topic(TopicArn=outputs["topic_arn"])["Subscriptions"]
    assert [s["Protocol"] for s in subscriptions] == ["sqs"]
