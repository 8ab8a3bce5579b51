"""Known facts about the Chicago taxi CSV shipped in the tfx wheel, shared by tests."""

SPLITS = ['train', 'eval', 'test']
# StratifiedSplitter 8:1:1 on payment_type: the rule of core/split/allocation.py applied to the class
# sizes (Cash 9909, Credit Card 4975, No Charge 81, Unknown 29, Dispute 4, Pcard 3, Prcard 1),
# as tests/core/split/test_allocation.py computes it independently.
EXPECTED_SPLIT_COUNTS = {
    'Cash': {'train': 7927, 'eval': 991, 'test': 991},
    'Credit Card': {'train': 3980, 'eval': 498, 'test': 497},
    'No Charge': {'train': 65, 'eval': 8, 'test': 8},
    'Unknown': {'train': 23, 'eval': 3, 'test': 3},
    'Dispute': {'train': 2, 'eval': 1, 'test': 1},
    'Pcard': {'train': 1, 'eval': 1, 'test': 1},
    'Prcard': {'train': 1, 'eval': 0, 'test': 0},
}
