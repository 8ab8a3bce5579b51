"""A window's repeated spans and a window's config (core/common/spans.py)."""

import pytest

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.spans import WindowConfig, repeated_spans


def test_one_span_held_twice_and_nothing_else_is_a_repeat_unless_it_is_span_0():
    # Issue 73: span 6 laid out twice (a re-run, resolved by SpanRangeStrategy) counts twice;
    # span 0 in every source is a window of runs of data without spans.
    assert repeated_spans([('a', [6]), ('b', [6])]) == {6: ['a', 'b']}
    assert repeated_spans([('a', [0]), ('b', [0]), ('c', [0])]) == {}
    assert repeated_spans([('a', [None]), ('b', [None])]) == {}  # no span known
    assert repeated_spans([('a', [0]), ('b', [None])]) == {}  # 0 or unknown: no spans
    assert repeated_spans([('a', [6])]) == {}


def test_a_span_repeated_beside_others_is_named_with_its_holders():
    assert repeated_spans([('a', [5]), ('b', [6]), ('c', [6])]) == {6: ['b', 'c']}
    assert repeated_spans([('a', [0]), ('b', [0]), ('c', [5])]) == {0: ['a', 'b']}
    assert repeated_spans([('a', [5, 6]), ('b', [6, 7]), ('c', [None])]) == {6: ['a', 'b']}
    assert repeated_spans([('a', [5]), ('b', [None]), ('c', [None])]) == {}  # unknown: no repeat


def test_a_window_config_takes_its_two_keys_and_their_defaults():
    assert WindowConfig.from_config({}) == WindowConfig(num_spans=1, skip_newest=True)
    assert WindowConfig.from_config({'skip_newest': False, 'num_spans': 7}) == WindowConfig(
        7, False
    )


@pytest.mark.parametrize(
    'config, message',
    [
        (
            {'num_span': 2, 'skip_newest': False},
            " has key 'num_span' (value 2), which it does not take; its keys: num_spans (an int "
            '>= 1, default 1), skip_newest (True or False, default True). Did you mean '
            "'num_spans'? Fix the Resolver's config: config={'num_spans': 2, 'skip_newest': "
            'False}.',
        ),
        (  # nothing close: the key is dropped from the config to write
            {'window': 3},
            " has key 'window' (value 3), which it does not take; its keys: num_spans (an int >= "
            "1, default 1), skip_newest (True or False, default True). Fix the Resolver's "
            'config: config={}.',
        ),
        (
            {'num_spans': None},
            "['num_spans'] is None (NoneType); expected an int >= 1: how many spans the window "
            "holds. Fix the Resolver's config: config={'num_spans': 1}.",
        ),
        (
            {'skip_newest': 0},
            "['skip_newest'] is 0 (int); expected True or False: whether the newest span is "
            "left out (True: the spans before this run's, resolved after it; False: a window "
            "ending with the newest span). Fix the Resolver's config: config={'skip_newest': "
            'False}.',
        ),
    ],
)
def test_a_bad_window_config_names_the_key_the_value_what_is_expected_and_the_fix(config, message):
    with pytest.raises(ConfigError) as raised:
        WindowConfig.from_config(config, where="Resolver 'w'")
    assert str(raised.value) == "Resolver 'w' config" + message


def test_a_config_that_is_not_a_dict_is_refused():
    with pytest.raises(ConfigError, match=r'^PreviousSpanStrategy config is 3 \(int\); expected'):
        WindowConfig.from_config(3)
