"""When will the remaining work be done: a throughput model over the hours of the week, with a bootstrap
interval. Pure numpy on timestamps; `core.crowd.forecast` feeds it rows from the database.

Throughput is the rate of answers in each of the 168 hours of the week, observed over the recent
window: answers that fell in that hour-of-week divided by how many such hours the window held, shrunk
(one hour of prior weight) towards a day-of-week x hour-of-day product, so that an hour seen once or
never does not swing the forecast. The expected completion time walks forward hour by hour through that profile
until the remaining answers are covered. The interval resamples with replacement the annotators (with
five or more; else the work sessions, an annotator's run of answers with no gap over `SESSION_GAP`),
scales each resample by how busy recent days were against the profile, and walks again: who turns up
and how much each does, not single answers, is what varies.

That bootstrap knows only the variation the past shows; the end of a crowd job (the last tasks wait on
the few who still hold work) it cannot foresee, and backtests found its 80 % interval held the real finish
in well under half the jobs. So the interval is also calibrated on the project's own history: the same
point forecast is made at earlier moments of the work, for the answers that really followed, and the
spread of its errors there (as ratios) widens the interval here. It needs no tuning to a data set and
grows honest as the work goes on.
"""

from dataclasses import dataclass, field

import numpy as np

HOURS_PER_WEEK = 168
SESSION_GAP = 30 * 60.0  # seconds without an answer that end a work session
WINDOW = 28 * 24 * 3600.0  # the history that counts: the last four weeks
HORIZON_HOURS = 365 * 24  # a forecast past a year is reported as none
PRIOR_HOURS = 1.0
MIN_WORKERS_TO_RESAMPLE = 5
CALIBRATION_CUTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # earlier moments, as shares of the answers so far


@dataclass
class Forecast:
    remaining: int
    rate_per_hour: float  # mean answers per hour over the window
    eta_seconds: float | None  # from `now`; None: no throughput observed, or beyond the horizon
    eta_low_seconds: float | None  # the interval (10th and 90th percentile of the bootstrap)
    eta_high_seconds: float | None
    sessions: int
    annotators: dict[str, dict[str, float]] = field(default_factory=dict)
    # remaining answers expected at `now + hours[i]`: the burn-down's forecast with its band
    curve_hours: list[float] = field(default_factory=list)
    curve_expected: list[float] = field(default_factory=list)
    curve_low: list[float] = field(default_factory=list)
    curve_high: list[float] = field(default_factory=list)


def hour_of_week(seconds: np.ndarray) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00 UTC) of Unix times; 1970-01-01 was a Thursday."""
    return ((np.floor(seconds / 3600.0).astype(np.int64) + 72) % HOURS_PER_WEEK).astype(np.int64)


def sessions_of(times: np.ndarray, workers: np.ndarray, *, gap: float = SESSION_GAP) -> np.ndarray:
    """A session id per answer: per worker, a new session after each gap longer than `gap`."""
    order = np.lexsort((times, workers))
    t, w = times[order], workers[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (w[1:] != w[:-1]) | (np.diff(t) > gap)
    ids = np.empty(len(t), dtype=np.int64)
    ids[order] = np.cumsum(new) - 1
    return ids


def forecast(
    times: np.ndarray,
    workers: np.ndarray,
    *,
    now: float,
    remaining: int,
    samples: int = 200,
    seed: int = 0,
    window: float = WINDOW,
) -> Forecast:
    """Forecast the time to answer `remaining` more, from answers at Unix `times` by `workers`."""
    times = np.asarray(times, dtype=float)
    workers = np.asarray(workers)
    keep = (times <= now) & (times > now - window)
    times, workers = times[keep], workers[keep]
    if remaining <= 0:
        return Forecast(remaining=0, rate_per_hour=_mean_rate(times, now), eta_seconds=0.0, eta_low_seconds=0.0,
                        eta_high_seconds=0.0, sessions=0)
    if len(times) == 0:
        return Forecast(remaining=remaining, rate_per_hour=0.0, eta_seconds=None, eta_low_seconds=None,
                        eta_high_seconds=None, sessions=0)
    session = sessions_of(times, workers)
    n_sessions = int(session.max()) + 1
    # what the bootstrap resamples: annotators once there are enough of them (who turns up, and how much
    # each does, is what varies most in crowd work), else the work sessions of the few there are
    names, by_worker = np.unique(workers.astype(str), return_inverse=True)
    unit = by_worker if len(names) >= MIN_WORKERS_TO_RESAMPLE else session
    n_units = int(unit.max()) + 1
    slot = hour_of_week(times)
    counts = np.zeros((n_units, HOURS_PER_WEEK))
    np.add.at(counts, (unit, slot), 1.0)
    start = times.min()
    exposure = _exposure(start, now)
    future = _future_slots(now)
    first_fraction = 1.0 - (now / 3600.0 - np.floor(now / 3600.0))
    point_profile = _profile(counts.sum(axis=0)[None, :], exposure)
    point = _eta_hours(point_profile, future, first_fraction, remaining)
    if np.isfinite(point[0]):  # resamples slower than four times the point estimate count as "never"
        future = future[:int(min(HORIZON_HOURS, np.ceil(point[0]) * 4 + HOURS_PER_WEEK))]
    rng = np.random.default_rng(seed)
    picked = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=samples)
    boot_counts = picked @ counts  # each row: the hour-of-week counts of one resample
    boot_profiles = _profile(boot_counts, exposure) * _levels(times, start, now, point_profile, point[0], rng,
                                                              samples)[:, None]
    boot = _eta_hours(boot_profiles, future, first_fraction, remaining)
    finite = boot[np.isfinite(boot)]
    low = high = None
    if len(finite) >= samples // 2:
        low, high = (float(np.quantile(finite, q)) * 3600.0 for q in (0.1, 0.9))
        errors = _past_errors(times, now, remaining, window)
        if np.isfinite(point[0]) and len(errors) >= 3:  # the interval the project's own past errors give
            low = min(low, float(point[0] * np.exp(np.quantile(errors, 0.1))) * 3600.0)
            high = max(high, float(point[0] * np.exp(np.quantile(errors, 0.9))) * 3600.0)
    curve = _curve(point_profile, boot_profiles, future, first_fraction,
                   remaining, point[0])
    return Forecast(
        remaining=remaining, rate_per_hour=_mean_rate(times, now),
        eta_seconds=float(point[0]) * 3600.0 if np.isfinite(point[0]) else None,
        eta_low_seconds=low, eta_high_seconds=high, sessions=n_sessions,
        annotators=_annotators(times, workers, session), **curve,
    )


def _point_eta_hours(times: np.ndarray, now: float, remaining: int) -> float:
    counts = np.zeros((1, HOURS_PER_WEEK))
    np.add.at(counts[0], hour_of_week(times), 1.0)
    profile = _profile(counts, _exposure(times.min(), now))
    first_fraction = 1.0 - (now / 3600.0 - np.floor(now / 3600.0))
    return float(_eta_hours(profile, _future_slots(now), first_fraction, remaining)[0])


def _past_errors(times: np.ndarray, now: float, remaining: int, window: float) -> np.ndarray:
    """Log ratios, actual over forecast, of the point forecast made at earlier moments of this history for
    the answers that then followed (as many as are left now, or as many as came)."""
    ordered = np.sort(times)
    errors = []
    for share in CALIBRATION_CUTS:
        done = int(len(ordered) * share)
        if done < 10 or done >= len(ordered):
            continue
        cut = float(ordered[done - 1]) + 1.0
        wanted = min(remaining, len(ordered) - done)
        past = ordered[(ordered <= cut) & (ordered > cut - window)]
        predicted = _point_eta_hours(past, cut, wanted) * 3600.0
        actual = float(ordered[done + wanted - 1]) - cut
        if np.isfinite(predicted) and predicted > 0 and actual > 0:
            errors.append(np.log(actual / predicted))
    return np.array(errors)


def _levels(times: np.ndarray, start: float, now: float, profile: np.ndarray, eta_hours: float,
            rng: np.random.Generator, samples: int) -> np.ndarray:
    """A factor per resample for how busy the coming days will be against the profile: the mean, over as
    many days as the work has left (at most a week), of the ratio of answers to the profile's expectation
    on days drawn from the last week observed. Who turns up varies by day more than sessions do."""
    days = int((now - start) // 86400.0)  # whole days since the first answer: no day before work began
    if days < 2 or not np.isfinite(eta_hours):
        return np.ones(samples)
    edges = now - 86400.0 * np.arange(min(days, 7), -1, -1)
    actual = np.histogram(times, bins=edges)[0].astype(float)
    expected = np.array([_expected(profile[0], a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)])
    ratios = actual / np.maximum(expected, 1e-9)
    span = int(min(7, max(1, np.ceil(eta_hours / 24.0))))
    return rng.choice(ratios, size=(samples, span), replace=True).mean(axis=1)


def _expected(profile: np.ndarray, a: float, b: float) -> float:
    hours = np.arange(int(np.floor(a / 3600.0)), int(np.ceil(b / 3600.0)))
    return float(profile[(hours + 72) % HOURS_PER_WEEK].sum())


def _mean_rate(times: np.ndarray, now: float) -> float:
    if len(times) == 0:
        return 0.0
    hours = max((now - times.min()) / 3600.0, 1.0)
    return float(len(times) / hours)


def _exposure(start: float, now: float) -> np.ndarray:
    """How many hours of the window [start, now] fell in each hour-of-week (partial hours counted as such)."""
    first, last = int(np.floor(start / 3600.0)), int(np.floor(now / 3600.0))
    hours = np.arange(first, last + 1)
    weight = np.ones(len(hours))
    weight[0] -= start / 3600.0 - first
    weight[-1] -= (last + 1) - now / 3600.0
    exposure = np.zeros(HOURS_PER_WEEK)
    np.add.at(exposure, (hours + 72) % HOURS_PER_WEEK, np.clip(weight, 0.0, 1.0))
    return exposure


def _profile(counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Answers per hour in each hour-of-week (one row per count vector).

    Each of the 168 cells is shrunk towards a day-of-week x hour-of-day product, whose factors see seven
    and 24 times more hours than a cell does; those factors are shrunk towards the overall mean. So two
    quiet weekends already make Saturday quiet, and a Tuesday 10:00 never seen borrows from other 10:00s.
    """
    c = counts.reshape(len(counts), 7, 24)
    e = exposure.reshape(7, 24)
    mean = c.sum(axis=(1, 2)) / max(e.sum(), 1e-9)
    by_day = (c.sum(axis=2) + PRIOR_HOURS * mean[:, None]) / (e.sum(axis=1)[None, :] + PRIOR_HOURS)
    by_hour = (c.sum(axis=1) + PRIOR_HOURS * mean[:, None]) / (e.sum(axis=0)[None, :] + PRIOR_HOURS)
    safe_mean = np.where(mean > 0, mean, 1.0)[:, None, None]
    product = by_day[:, :, None] * by_hour[:, None, :] / safe_mean
    cells = (c + PRIOR_HOURS * product) / (e[None, :, :] + PRIOR_HOURS)
    return cells.reshape(len(counts), HOURS_PER_WEEK)


def _future_slots(now: float) -> np.ndarray:
    current = int(np.floor(now / 3600.0))
    return (np.arange(current, current + HORIZON_HOURS) + 72) % HOURS_PER_WEEK


def _cumulative(profiles: np.ndarray, future: np.ndarray, first_fraction: float) -> np.ndarray:
    per_hour = profiles[:, future]
    per_hour[:, 0] *= first_fraction
    return np.cumsum(per_hour, axis=1)


def _eta_hours(profiles: np.ndarray, future: np.ndarray, first_fraction: float, remaining: int) -> np.ndarray:
    """Hours from now until the cumulative expected answers reach `remaining` (inf if never)."""
    cumulative = _cumulative(profiles, future, first_fraction)
    out = np.full(len(profiles), np.inf)
    for row in range(len(profiles)):
        index = int(np.searchsorted(cumulative[row], remaining))
        if index >= cumulative.shape[1]:
            continue
        before = cumulative[row, index - 1] if index > 0 else 0.0
        step = cumulative[row, index] - before
        within = (remaining - before) / step if step > 0 else 0.0
        hours_before = (first_fraction + index - 1) if index > 0 else 0.0
        span = first_fraction if index == 0 else 1.0
        out[row] = hours_before + within * span
    return out


def _curve(point_profile, boot_profiles, future, first_fraction, remaining, eta_hours) -> dict[str, list[float]]:
    """Remaining answers over the coming hours: expected, and the bootstrap's 10th-90th percentile band."""
    if not np.isfinite(eta_hours):
        return {}
    steps = int(min(np.ceil(eta_hours * 1.5) + 1, HORIZON_HOURS))
    stride = max(1, steps // 100)
    index = np.arange(0, steps, stride)
    expected = np.maximum(remaining - _cumulative(point_profile, future, first_fraction)[0, index], 0.0)
    boot = np.maximum(remaining - _cumulative(boot_profiles, future, first_fraction)[:, index], 0.0)
    return {"curve_hours": (index + first_fraction).tolist(), "curve_expected": expected.tolist(),
            "curve_low": np.quantile(boot, 0.1, axis=0).tolist(),
            "curve_high": np.quantile(boot, 0.9, axis=0).tolist()}


def _annotators(times: np.ndarray, workers: np.ndarray, session: np.ndarray) -> dict[str, dict[str, float]]:
    """Per annotator: answers in the window, hours in work sessions, and answers per working hour.

    A session of n answers spans n - 1 intervals, so each session also counts one median interval (of all
    sessions; 60 s when none has two answers) for its first answer."""
    order = np.lexsort((times, session))
    t, sid = times[order], session[order]
    inside = np.diff(sid) == 0
    gaps = np.diff(t)[inside]
    typical = float(np.median(gaps)) if len(gaps) else 60.0
    n_sessions = int(session.max()) + 1
    first = np.full(n_sessions, np.inf)
    last = np.full(n_sessions, -np.inf)
    np.minimum.at(first, session, times)
    np.maximum.at(last, session, times)
    owner = np.empty(n_sessions, dtype=np.int64)
    names, by_worker = np.unique(workers.astype(str), return_inverse=True)
    owner[session] = by_worker
    active = np.bincount(owner, weights=(last - first) + typical, minlength=len(names)) / 3600.0
    answers = np.bincount(by_worker, minlength=len(names))
    return {str(name): {"answers": int(answers[i]), "active_hours": round(float(active[i]), 3),
                        "per_hour": round(float(answers[i] / active[i]), 2) if active[i] > 0 else 0.0}
            for i, name in enumerate(names)}
