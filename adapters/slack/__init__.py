"""Slack: slack-bolt's AsyncApp on the shared aiohttp server. Nothing Slack-specific
lives outside this package."""

from adapters.slack.adapter import SlackAdapter
from adapters.slack.config import SlackConfig
from adapters.slack.inbound import SLACK_PLATFORM

__all__ = ["SLACK_PLATFORM", "SlackAdapter", "SlackConfig"]
