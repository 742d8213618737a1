"""Re-mobilisation after a failed stem-cell collection: a stage run by the modeller's own SimPy process.

Used by remobilisation.toml as `process = "remobilisation.py:collect_or_remobilise"` on its apheresis stage and run with
`hsct-sim run scenarios/examples/remobilisation.toml --engine simpy --allow-code`. The function receives the patient
(`simulator.engine.processes.Patient`: the stage's sampled duration, death and failure draws, a random-number generator
of the patient's own, and `die` / `leave`) and the SimPy environment, and spends the stage's time with `yield
env.timeout(days)`.
"""

from __future__ import annotations

# Assumptions, illustrative (docs/evidence.md#re-mobilisation-example): a second cycle of cyclophosphamide and
# G-CSF, started after recovery from the first, brings apheresis 28 days after the failed collection; it fails
# again in 30% of the patients re-mobilised.
REMOBILISATION_DAYS = 28.0
SECOND_FAILURE = 0.3


def collect_or_remobilise(patient, env):
    """Apheresis as the scenario samples it; a patient whose collection fails is mobilised once more and
    collected again, and leaves the pathway (alive, followed off it) only if that fails too."""
    yield from patient.standard_stage(env)
    if patient.ended != "left":  # collected, or died during the stage
        return
    patient.ended = None  # the failed collection does not end the pathway: mobilise again
    patient.values["remobilised"] = True
    yield env.timeout(REMOBILISATION_DAYS)
    if patient.rng.random() < SECOND_FAILURE:
        patient.leave(env)
