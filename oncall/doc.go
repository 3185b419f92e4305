// Package oncall is the pure on-call schedule math of warroom: rotations,
// layers, restrictions, overrides, "who is on call" queries and iCalendar
// feeds. It does no I/O besides writing feeds to an io.Writer and never reads
// the clock: every function takes the instants it needs, so results are
// reproducible and testable.
//
// # Model
//
// A [Schedule] lives in one IANA time zone and has ordered [Layer]s plus
// [Override]s. Each layer rotates its participants through shifts of a fixed
// [ShiftLength], starting at a wall-clock anchor ([LocalTime]). Restrictions
// (e.g. weekdays 09:00-17:00) mask a layer: outside all of its restriction
// windows the layer has nobody, while the rotation keeps running underneath
// (the person whose shift is masked simply loses that time, as in PagerDuty).
// A later layer in Schedule.Layers beats an earlier one wherever it has
// someone on call; where it has nobody, earlier layers show through.
// Overrides beat all layers and are applied in slice order, so a later
// override beats an earlier one; an override without Replaces replaces
// everyone on call (both people during a handoff overlap), one with
// Replaces only that person.
//
// # Shift lengths
//
// A [ShiftLength] may be any length from [MinShift] (1m) to [MaxShift]
// (9999w); [ParseShiftLength] reads "90m", "12h", "1h30m", "36h", "10d",
// "2w". How a length maps to handoffs depends only on its total:
//
//   - A whole number of days (1d, 10d, 1w, 2w, and equally 24h, 48h or
//     1440m, which are shown as 1d, 2d and 1d) follows the WALL CLOCK: shift
//     k starts on the anchor's date plus k times the length in days, at the
//     anchor's wall-clock time, resolved by the DST rules below. A 09:00
//     handoff stays at 09:00 across DST, so a one-day shift that spans
//     spring-forward lasts 23h and one that spans fall-back lasts 25h.
//   - Any other length (90m, 12h, 36h) is ELAPSED TIME: shift k starts
//     exactly k lengths after the rotation's start instant (the first
//     occurrence of the anchor) and every shift lasts exactly its length.
//     Such handoffs keep their instants, not their wall-clock times: a 12h
//     rotation handing over at 08:00 and 20:00 in New York winter hands
//     over at 09:00 and 21:00 after spring-forward, and no handoff is ever
//     ambiguous or skipped. To hand over at fixed wall-clock times across
//     DST, use one-day rotations restricted to each part of the day, e.g. a
//     1d layer restricted to 08:00-20:00 and another to 20:00-08:00.
//
// # DST rules
//
// Every wall-clock time is turned into an instant by [ResolveWallClock],
// which implements these rules explicitly (time.Date leaves both cases
// unspecified, so it is not relied upon):
//
//  1. Ambiguous time (it occurs twice when clocks fall back): every START (a
//     shift's, a layer's, a restriction window's) uses the FIRST
//     occurrence; every END (a shift's, a layer's, a restriction window's)
//     uses the LAST occurrence. Taking the earliest start and the latest end
//     means on-call time can only grow across fall-back, never leave a hole.
//  2. Non-existent time (skipped when clocks spring forward): the instant the
//     clock jumps to, e.g. 02:30 in America/New_York on spring-forward day
//     is 03:00 EDT. This applies to starts and ends alike.
//  3. A wall-clock rotation handoff is the end of one shift and the start of
//     the next, and each keeps its own rule: the outgoing shift ends at the
//     LAST occurrence of the handoff time, the incoming shift starts at the
//     FIRST. When the handoff time is ambiguous, both participants are
//     therefore on call from its first to its last occurrence (1h in most
//     zones, 30m in Australia/Lord_Howe). An overlap is safe for paging,
//     where both get paged; a gap would not be. During the overlap
//     [Schedule.OnCallAt] returns both (the outgoing one first),
//     [Schedule.Shifts] and the feeds have two overlapping shifts, and
//     escalation to the schedule pages both. When the handoff time does not
//     exist, both ends resolve by rule 2 to the same instant: neither a gap
//     nor an overlap. Elapsed-time handoffs are instants and never overlap.
//
// Examples (America/New_York, 2026): a daily rotation handing over at 01:30
// from alice to bob on 1 November has alice on call until 01:30 EST (her
// shift from 31 October 01:30 EDT lasts 25h) and bob from 01:30 EDT (his
// shift, to 2 November 01:30 EST, lasts 25h too): both are on call from
// 01:30 EDT to 01:30 EST. The same rotation handing over at 02:30 on 8
// March hands over at 03:00 EDT (rule 2), so that shift lasts 23.5h and
// the next 23.5h. A restriction 22:00-01:30 starting on 31 October runs from
// 22:00 EDT to 01:30 EST (4.5h); a restriction 02:00-02:30 on 8 March is
// empty because both ends resolve to 03:00 EDT. In Europe/Berlin a daily
// 02:30 handoff is in the gap on 29 March (03:00 CEST) and ambiguous on 25
// October (overlap 02:30 CEST to 02:30 CET).
//
// # iCalendar
//
// [ICal] renders shifts as an RFC 5545 feed (one VEVENT per shift, UTC
// times, folded lines, escaped text); the shifts of a handoff overlap are
// two overlapping VEVENTs. Per-schedule and per-user feeds are the
// same call with [Schedule.Shifts] or [Schedule.UserShifts] as input.
package oncall
