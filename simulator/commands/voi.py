"""`hsct-sim voi SCENARIO_A SCENARIO_B [--sizes N,N,...]`: which uncertainties are worth resolving (EVPPI), and
whether a randomised trial of each size is worth its cost (EVSI, ENBS), from one probabilistic comparison and
the trials `power` simulates with the same parameter draws."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.common import add_format_option, add_run_options, positive_int, run_options, writing_processes
from simulator.errors import UserError
from simulator.questions.compare.thresholds import DEFAULT_WTP, parse_wtp

DEFAULT_DECISION_YEARS = 10


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "voi", help="value of information: EVPPI per parameter, EVSI and ENBS of a trial by size",
        description="Run SCENARIO_A against SCENARIO_B with parameter uncertainty (as compare --uncertainty) and "
                    "report the expected value of partial perfect information (EVPPI) of each parameter given "
                    "with its evidence and of named groups; with --sizes, also simulate the randomised trial of "
                    "power at each size, one trial per parameter draw, and report the expected value of its "
                    "information (EVSI) and, with --population and --trial-cost, the expected net benefit of "
                    "sampling (ENBS) and its best size beside the size for 80% power.")
    parser.add_argument(
        "scenario_a", type=Path, help="the reference option (arm A); its accrual and cut-off are the trial's"
    )
    parser.add_argument("scenario_b", type=Path, help="the alternative (arm B)")
    parser.add_argument(
        "--sizes", metavar="N,N,...", help="patients per arm of the trials to value, e.g. 25,50,100,200"
    )
    parser.add_argument("--endpoint", default="os", metavar="os|dfs|efs|trm",
                        help="the trial's endpoint, as power's (default os); its summary statistics are what the "
                             "trial teaches")
    parser.add_argument("--group", dest="groups", action="append", default=[], metavar="NAME=PARAM,PARAM",
                        help="a named group of parameters whose EVPPI to report together (repeatable); a parameter "
                             "by its name in evppi.csv or by its dotted path")
    parser.add_argument("--wtp", default=",".join(f"{x:g}" for x in DEFAULT_WTP), metavar="LIST",
                        help="willingness to pay per QALY, in the scenarios' currency (default %(default)s)")
    parser.add_argument("--population", type=float, metavar="PER_YEAR",
                        help="patients a year the decision applies to: values for the population beside per patient")
    parser.add_argument("--decision-years", type=positive_int, default=DEFAULT_DECISION_YEARS, metavar="Y",
                        help="years the decision applies for (default %(default)s)")
    parser.add_argument("--population-discount", type=float, metavar="RATE",
                        help="annual discount rate of later years' patients (default: scenario A's "
                             "economics.discount_rate_costs)")
    parser.add_argument("--trial-cost", metavar="FIXED,PER_PATIENT",
                        help="the trial's fixed cost and cost per patient enrolled, for the ENBS (needs --population)")
    parser.add_argument("--cohort-size", type=positive_int, metavar="N",
                        help="patients per parameter draw of the PSA (default each scenario's cohort.size): a large "
                             "N leaves little patient-level noise; the trials enrol --sizes")
    add_run_options(parser, "applied to both scenarios; --set-a and --set-b change one")
    add_format_option(parser)
    parser.add_argument("--set-a", dest="overrides_a", action="append", default=[], metavar="PATH=VALUE",
                        help="override a value in scenario A only (repeatable), in its PSA and its trial arm alike")
    parser.add_argument("--set-b", dest="overrides_b", action="append", default=[], metavar="PATH=VALUE",
                        help="override a value in scenario B only (repeatable)")
    parser.set_defaults(handler=command_voi)


def command_voi(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.questions.power.power import check_endpoint, parse_sizes
    from simulator.questions.voi.population import Population, parse_trial_cost
    from simulator.questions.voi.voi import value_of_information
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.runfolder import run_folder

    wtp = parse_wtp(args.wtp)
    sizes = parse_sizes(args.sizes) if args.sizes else []
    endpoint = check_endpoint(args.endpoint, "--endpoint")
    trial_cost = None if args.trial_cost is None else parse_trial_cost(args.trial_cost)
    if trial_cost is not None and (args.population is None or not sizes):
        raise UserError("--trial-cost: the ENBS also needs --population (patients a year) and --sizes (trial sizes)")
    scenarios = [load_scenario(args.scenario_a, args.overrides + args.overrides_a),
                 load_scenario(args.scenario_b, args.overrides + args.overrides_b)]
    if args.cohort_size:
        scenarios = [s.with_values({"cohort.size": args.cohort_size}, str(path), "--cohort-size")
                     for s, path in zip(scenarios, (args.scenario_a, args.scenario_b))]
    population = None
    if args.population is not None:
        economics = scenarios[0].economics
        rate = args.population_discount
        if rate is None:
            rate = economics.discount_rate_costs if economics is not None else 0.0
        population = Population(args.population, args.decision_years, rate)
    names = [s.metadata.name for s in scenarios]
    if names[0] == names[1]:
        names = [f"{n} ({p.name})" for n, p in zip(names, (args.scenario_a, args.scenario_b))]
    if names[0] == names[1]:
        raise UserError(f"voi: the same scenario file is given twice: {args.scenario_a}")
    folder_name = f"{scenarios[0].short_name}-{scenarios[1].short_name}"
    with run_folder(args.output, "voi", folder_name, args.command_line, args.format, processes=writing_processes(args),
                    figure_format=args.figure_format) as folder:
        result = value_of_information(scenarios[0], scenarios[1], sizes, endpoint, args.replications, args.seed,
                                      groups=args.groups, wtp=wtp, population=population, trial_cost=trial_cost,
                                      names=(names[0], names[1]), options=run_options(args))
        folder.write(result)
    print(result.text())
    print(f"\nRun folder: {folder}")
    return 0
