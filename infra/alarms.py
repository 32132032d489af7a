"""CloudWatch alarms, every one publishing to the ops topic: function errors and throttles, API 5xx and
latency, DynamoDB throttling, dead-letter queue depth, SES bounce and complaint rates."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

FIVE_MINUTES = Duration.minutes(5)
# SES reviews an account at a 5% bounce rate and 0.1% complaint rate (and may pause sending at 10% / 0.5%):
# the alarm fires at the review threshold, while there is still time to act.
SES_BOUNCE_RATE = 0.05
SES_COMPLAINT_RATE = 0.001
API_P95_LATENCY_MS = 3000


class Alarms:
    def __init__(self, scope: Construct, topic: sns.ITopic) -> None:
        self.scope = scope
        self.action = actions.SnsAction(topic)
        self.count = 0

    def _alarm(self, logical: str, metric: cloudwatch.IMetric, threshold: float, description: str,
               periods: int = 1, comparison: cloudwatch.ComparisonOperator | None = None) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self.scope, logical, metric=metric, threshold=threshold, evaluation_periods=periods,
            datapoints_to_alarm=periods, alarm_description=description,
            comparison_operator=comparison or cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        self.count += 1
        return alarm

    def function(self, logical: str, function_name: str) -> None:
        dims = {"FunctionName": function_name}
        for metric, text in (("Errors", "failed (an exception or a timeout)"), ("Throttles", "was throttled")):
            self._alarm(f"{logical}{metric}Alarm",
                        cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric, dimensions_map=dims,
                                          statistic="Sum", period=FIVE_MINUTES),
                        1, f"Lambda {function_name} {text} in the last 5 minutes")

    def api(self, api_name: str, stage: str) -> None:
        dims = {"ApiName": api_name, "Stage": stage}
        self._alarm("Api5xxAlarm", cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError",
                                                     dimensions_map=dims, statistic="Sum", period=FIVE_MINUTES),
                    1, f"API {api_name} answered 5xx (a 5xx is a bug) in the last 5 minutes")
        self._alarm("ApiLatencyAlarm", cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="Latency",
                                                         dimensions_map=dims, statistic="p95", period=FIVE_MINUTES),
                    API_P95_LATENCY_MS, f"API {api_name}: p95 latency above {API_P95_LATENCY_MS} ms for 15 minutes",
                    periods=3)

    def table(self, logical: str, table: dynamodb.Table) -> None:
        dims = {"TableName": table.table_name}
        throttles = cloudwatch.MathExpression(
            expression="reads + writes", label="throttle events", period=FIVE_MINUTES,
            using_metrics={
                "reads": cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name="ReadThrottleEvents",
                                           dimensions_map=dims, statistic="Sum", period=FIVE_MINUTES),
                "writes": cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name="WriteThrottleEvents",
                                            dimensions_map=dims, statistic="Sum", period=FIVE_MINUTES),
            })
        self._alarm(f"{logical}ThrottleAlarm", throttles, 1, "DynamoDB throttled requests to a table")

    def dead_letters(self, logical: str, queue: sqs.Queue) -> None:
        self._alarm(f"{logical}DepthAlarm", queue.metric_approximate_number_of_messages_visible(
            statistic="Maximum", period=FIVE_MINUTES), 1, "messages waiting in a dead-letter / failure queue")

    def mail(self) -> None:
        for logical, metric, threshold in (("SesBounceRateAlarm", "Reputation.BounceRate", SES_BOUNCE_RATE),
                                           ("SesComplaintRateAlarm", "Reputation.ComplaintRate", SES_COMPLAINT_RATE)):
            self._alarm(logical, cloudwatch.Metric(namespace="AWS/SES", metric_name=metric, statistic="Maximum",
                                                   period=Duration.hours(1)),
                        threshold, f"SES {metric} reached {threshold:.1%} (AWS reviews the account from there)")
