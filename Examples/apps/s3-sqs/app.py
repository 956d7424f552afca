"""Document intake: store an upload in S3 and queue a job for it; a worker takes jobs off the queue."""
import json


def submit_document(s3, sqs, bucket, queue_url, key, body):
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))


def process_next_document(s3, sqs, queue_url, wait_seconds=2):
    """Returns (key, body) of the next queued document, or None when the queue is empty."""
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=wait_seconds)
    messages = response.get("Messages", [])
    if not messages:
        return None
    message = messages[0]
    job = json.loads(message["Body"])
    body = s3.get_object(Bucket=job["bucket"], Key=job["key"])["Body"].read().decode("utf-8")
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return job["key"], body
