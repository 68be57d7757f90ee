"""The gateway's promises about writes, with the shared store: the same tests as with the
in-process store, run against a gateway on a real Redis (`REDIS_URL`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_with
from tests.gateway.test_idempotency import (
    test_a_batch_import_is_not_sent_twice,
    test_a_failed_write_is_not_remembered,
    test_a_merge_repeat_makes_no_call_at_all,
    test_a_repeat_returns_the_first_answer_without_writing_again,
    test_a_write_that_may_have_been_applied_is_never_sent_again,
    test_an_upload_repeat_is_recognised_by_its_content,
    test_concurrent_repeats_share_one_write,
    test_the_same_key_with_another_input_is_refused,
    test_unusable_keys_are_refused,
)
from tests.gateway.test_mutations import (
    test_add_then_read_serves_the_new_guest,
    test_import_then_read_serves_the_new_customer,
    test_merge_customers_merges_and_reads_see_the_source_inactive,
    test_update_by_fullwhere_id_updates_the_linked_guest_and_reads_see_it,
    test_update_then_list_pages_and_email_lookups_are_fresh,
)
from tests.support.redis_server import RedisServer

__all__ = [
    "test_a_batch_import_is_not_sent_twice",
    "test_a_failed_write_is_not_remembered",
    "test_a_merge_repeat_makes_no_call_at_all",
    "test_a_repeat_returns_the_first_answer_without_writing_again",
    "test_a_write_that_may_have_been_applied_is_never_sent_again",
    "test_add_then_read_serves_the_new_guest",
    "test_an_upload_repeat_is_recognised_by_its_content",
    "test_concurrent_repeats_share_one_write",
    "test_import_then_read_serves_the_new_customer",
    "test_merge_customers_merges_and_reads_see_the_source_inactive",
    "test_the_same_key_with_another_input_is_refused",
    "test_unusable_keys_are_refused",
    "test_update_by_fullwhere_id_updates_the_linked_guest_and_reads_see_it",
    "test_update_then_list_pages_and_email_lookups_are_fresh",
]


@pytest.fixture
async def gateway(sandboxes: Sandboxes, redis_server: RedisServer) -> AsyncIterator[Gateway]:
    env = {"REDIS_URL": redis_server.url, "REDIS_TIMEOUT_SECONDS": "5"}  # a busy machine
    async with gateway_with(sandboxes, env) as gateway:
        assert gateway.app.state.store is not None
        yield gateway
