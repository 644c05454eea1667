"""The options of `community-trigger bench`, kept apart so the command line loads no benchmark code until it runs."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="a smaller store and fewer runs: within 10 minutes on 2 cores"
    )
    parser.add_argument("--scale", type=int, help="events in the store (default 1,000,000; --quick 60,000)")
    parser.add_argument("--runs", type=int, help="runs per figure; the median is reported (default 5; --quick 3)")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON to PATH")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database instead of dropping it")
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help="measure only these parts (pg, append, rebuild, assessment, api, whatif) or the parts that give these figures"
        " (e.g. assessment_p99_ms); the store is always built, and bulk_load_events_per_s always measured",
    )
