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
// override beats an earlier one.
//
// # Wall-clock arithmetic
//
// Shifts are defined on the wall clock of the schedule's zone, not in
// elapsed time:
//
//   - Day and week shifts hand over at the same wall-clock time every day, so
//     a 09:00 handoff stays 09:00 across DST; a one-day shift that spans
//     spring-forward lasts 23h and one that spans fall-back lasts 25h.
//   - Hour shifts also advance in wall-clock hours. Consequently, with
//     1-hour shifts in America/New_York, on spring-forward day the shift that
//     would start at 02:00 starts at 03:00 EDT, the same instant as the 03:00
//     shift, so it is empty and dropped; on fall-back day the 01:00 shift runs
//     until 02:00 EST and lasts 2h. The rotation still counts the empty shift,
//     so the participant order stays tied to the wall clock.
//
// # DST rules
//
// Every wall-clock time is turned into an instant by [ResolveWallClock],
// which implements these rules explicitly (time.Date leaves both cases
// unspecified, so it is not relied upon):
//
//  1. Ambiguous time (it occurs twice when clocks fall back): a shift START,
//     a layer start and a restriction window start use the FIRST
//     occurrence; a restriction window END and a layer END use the LAST
//     occurrence. Taking the earliest start and the latest end means a
//     window can only grow across fall-back, never leave a hole.
//  2. Non-existent time (skipped when clocks spring forward): the instant the
//     clock jumps to, e.g. 02:30 in America/New_York on spring-forward day
//     is 03:00 EDT. This applies to starts and ends alike.
//  3. A rotation handoff is both the end of one shift and the start of the
//     next, so it uses the FIRST occurrence (rule 1 for starts). One instant
//     serves both shifts: there is never a gap or an overlap between
//     consecutive shifts of a rotation.
//
// Examples (America/New_York, 2026): a daily rotation handing over at 01:30
// hands over at 01:30 EDT on 1 November, so the shift starting then lasts
// 25h; a restriction 22:00-01:30 starting on 31 October runs from 22:00 EDT
// to 01:30 EST (4.5h); a restriction 02:00-02:30 on 8 March is empty because
// both ends resolve to 03:00 EDT.
//
// # iCalendar
//
// [ICal] renders shifts as an RFC 5545 feed (one VEVENT per shift, UTC
// times, folded lines, escaped text). Per-schedule and per-user feeds are the
// same call with [Schedule.Shifts] or [Schedule.UserShifts] as input.
package oncall
