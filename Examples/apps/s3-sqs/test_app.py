from app import process_next_document, submit_document


def test_submitted_document_is_processed(client, outputs):
    s3, sqs = client("s3"), client("sqs")
    submit_document(s3, sqs, outputs["bucket_name"], outputs["queue_url"], "invoices/1.txt", "total: 42")
    assert process_next_document(s3, sqs, outputs["queue_url"]) == ("invoices/1.txt", "total: 42")


def test_empty_queue_yields_nothing(client, outputs):
    assert process_next_document(client("s3"), client("sqs"), outputs["queue_url"], wait_seconds=0) is None


def test_uploads_are_listed_in_the_bucket(client, outputs):
    s3, sqs = client("s3"), client("sqs")
    submit_document(s3, sqs, outputs["bucket_name"], outputs["queue_url"], "reports/a.txt", "a")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=outputs["bucket_name"], Prefix="reports/").get("Contents", [])]
    assert keys == ["reports/a.txt"]
    process_next_document(s3, sqs, outputs["queue_url"])
