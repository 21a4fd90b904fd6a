"""Secrets in AWS Secrets Manager, one secret per name (``<prefix><name>``, a plain string value).

Rotation is ``put_secret_value``: Secrets Manager moves ``AWSCURRENT`` to the
new version and ``AWSPREVIOUS`` to the one before, so the previous value (for
``SECRET_KEY_FALLBACKS``) and each version's creation time come from AWS
itself. ``endpoint_url`` points the client at moto in tests (or a VPC endpoint).
"""

from __future__ import annotations

from apps.security_center.secrets.base import (
    WITH_FALLBACKS,
    SecretBackendError,
    SecretNotFound,
    SecretRecord,
    SecretVersion,
)


class AwsSecretsManager:
    kind = "aws"

    def __init__(self, client=None, *, region: str = "", endpoint_url: str = "", prefix: str = "strongroom/") -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            # Short timeouts and few retries: the provider's stale grace, not boto's backoff, covers an outage.
            config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
            client = boto3.client(
                "secretsmanager", region_name=region or None, endpoint_url=endpoint_url or None, config=config
            )
        self._client = client
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"AwsSecretsManager(prefix={self.prefix!r})"

    def describe(self) -> str:
        return f"AWS Secrets Manager {self._client.meta.region_name} {self.prefix}*"

    def _get(self, name: str, stage: str) -> SecretVersion | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_secret_value(SecretId=self.prefix + name, VersionStage=stage)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise SecretBackendError(
                f"Secrets Manager could not be read for {name!r} ({exc.response['Error'].get('Code')})"
            ) from None
        except BotoCoreError as exc:
            raise SecretBackendError(f"Secrets Manager could not be read for {name!r} ({type(exc).__name__})") from None
        return SecretVersion(answer["VersionId"], answer.get("SecretString") or "", answer.get("CreatedDate"))

    def read(self, name: str) -> SecretRecord:
        current = self._get(name, "AWSCURRENT")
        if current is None or not current.value:
            raise SecretNotFound(f"secret {name!r} is not in Secrets Manager")
        previous = self._get(name, "AWSPREVIOUS") if name in WITH_FALLBACKS else None
        return SecretRecord(name, current, (previous,) if previous and previous.value else (), None)

    def write(self, name: str, value: str) -> SecretRecord:
        from botocore.exceptions import BotoCoreError, ClientError

        if not value:
            raise ValueError("a secret value cannot be empty")
        try:
            try:
                self._client.put_secret_value(SecretId=self.prefix + name, SecretString=value)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                self._client.create_secret(Name=self.prefix + name, SecretString=value)
        except (ClientError, BotoCoreError) as exc:
            raise SecretBackendError(f"Secrets Manager could not store {name!r} ({type(exc).__name__})") from None
        return self.read(name)

    def names(self) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[str] = []
        try:
            for page in self._client.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "name", "Values": [self.prefix]}]
            ):
                found += [
                    s["Name"][len(self.prefix) :] for s in page["SecretList"] if s["Name"].startswith(self.prefix)
                ]
        except (ClientError, BotoCoreError) as exc:
            raise SecretBackendError(f"Secrets Manager could not list secrets ({type(exc).__name__})") from None
        return sorted(found)
