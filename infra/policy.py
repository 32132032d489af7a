"""The functions' IAM policy, written by hand (`autogen_policy: false`): Chalice's generated policy cannot
see PynamoDB's calls, and would grant too much or too little.

Only the actions the code calls, each on the resources it calls them on. The suite proves it: every AWS
call the app makes during `make test` is recorded (tests/conftest.py) and checked against the policy
in the synthesised template (tests/infra/policy_check.py). Resources are this stack's ARNs; the two
exceptions, each forced by AWS, are X-Ray (no resource-level permissions) and SMS through SNS (a phone
number has no ARN).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

# Item-level DynamoDB actions the stores use (transactions are authorised per item, as Put/Update/Delete,
# and a transaction's condition check as ConditionCheckItem: the audited reads of a contact check that it
# still exists). No Scan, no table management, no streams.
TABLE_ACTIONS = [
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
INDEX_ACTIONS = ["dynamodb:Query"]
SEND_ACTIONS = ["sqs:SendMessage"]
# What Lambda's SQS event source mapping does with the function's role.
CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
PUBLISH_ACTIONS = ["sns:Publish"]
MAIL_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"]  # raw: the digests (HTML + text MIME)
# Objects in the bulk bucket: presigned uploads (PUT, and multipart parts), reads, presigned downloads,
# writes of chunks and reports, deleting an upload once read. HeadObject is authorised as GetObject.
OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
BUCKET_ACTIONS = ["s3:ListBucket"]
# Account management by admins and supervisors (shifts/cognito.py) and the export's list of agents.
# Sign-in itself (InitiateAuth, RespondToAuthChallenge) is authorised by the password, not by IAM.
USER_POOL_ACTIONS = [
    "cognito-idp:AdminCreateUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminDisableUser", "cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminListGroupsForUser", "cognito-idp:ListUsersInGroup",
    "cognito-idp:AdminSetUserPassword",
]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
TRACE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
# (action, why it needs Resource "*"): the only statements allowed to.
STAR_RESOURCES = {
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
    "sns:Publish": "an SMS to a phone number has no ARN; topics are named in their own statement",
}


@dataclass
class Grants:
    tables: list[tuple[dynamodb.Table, list[str]]]  # each table with its index names
    send_queues: list[sqs.IQueue]
    consume_queues: list[sqs.IQueue]
    topics: list[sns.ITopic]
    buckets: list[s3.IBucket]
    user_pools: list[str]  # ARNs
    mail_resources: list[str]
    sender: str
    sends_sms: bool


def lambda_role(scope: Stack, logical: str, description: str) -> iam.Role:
    return iam.Role(scope, logical, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)


def log_group_arns(stack: Stack, function_names: list[str]) -> list[str]:
    return [stack.format_arn(service="logs", resource="log-group", resource_name=f"/aws/lambda/{name}:*",
                             arn_format=ArnFormat.COLON_RESOURCE_NAME) for name in function_names]


def grant_logs_and_traces(role: iam.Role, stack: Stack, function_names: list[str]) -> None:
    role.add_to_policy(iam.PolicyStatement(sid="Logs", actions=LOG_ACTIONS,
                                           resources=log_group_arns(stack, function_names)))
    role.add_to_policy(iam.PolicyStatement(sid="Traces", actions=TRACE_ACTIONS, resources=["*"]))


def grant_app(role: iam.Role, grants: Grants) -> None:
    role.add_to_policy(iam.PolicyStatement(
        sid="Tables", actions=TABLE_ACTIONS, resources=[t.table_arn for t, _ in grants.tables]))
    index_arns = [f"{table.table_arn}/index/{name}" for table, names in grants.tables for name in sorted(names)]
    if index_arns:
        role.add_to_policy(iam.PolicyStatement(sid="Indexes", actions=INDEX_ACTIONS, resources=index_arns))
    if grants.send_queues:
        role.add_to_policy(iam.PolicyStatement(
            sid="SendToQueues", actions=SEND_ACTIONS, resources=[q.queue_arn for q in grants.send_queues]))
    if grants.consume_queues:
        role.add_to_policy(iam.PolicyStatement(
            sid="ConsumeQueues", actions=CONSUME_ACTIONS, resources=[q.queue_arn for q in grants.consume_queues]))
    if grants.topics:
        role.add_to_policy(iam.PolicyStatement(
            sid="PublishToTopics", actions=PUBLISH_ACTIONS, resources=[t.topic_arn for t in grants.topics]))
    if grants.sends_sms:
        role.add_to_policy(iam.PolicyStatement(sid="SendSms", actions=PUBLISH_ACTIONS, resources=["*"]))
    if grants.mail_resources:
        role.add_to_policy(iam.PolicyStatement(
            sid="SendMail", actions=MAIL_ACTIONS, resources=grants.mail_resources,
            conditions={"StringEquals": {"ses:FromAddress": grants.sender}}))
    if grants.user_pools:
        role.add_to_policy(iam.PolicyStatement(sid="ManageUsers", actions=USER_POOL_ACTIONS,
                                               resources=grants.user_pools))
    if grants.buckets:
        role.add_to_policy(iam.PolicyStatement(
            sid="BucketObjects", actions=OBJECT_ACTIONS, resources=[b.arn_for_objects("*") for b in grants.buckets]))
        role.add_to_policy(iam.PolicyStatement(
            sid="Buckets", actions=BUCKET_ACTIONS, resources=[b.bucket_arn for b in grants.buckets]))

