package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// reportFollowThroughCommand is `warroom report followthrough`: seed 004's
// "avoid recurrence" measured (docs/metrics.md).
func (a *app) reportFollowThroughCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use: "followthrough [--group-by service] [--window 90d]",
		Short: "Postmortems published by their review's due date and action items done by their target date: " +
			"on time, late, overdue, open",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchReport(a, cmd, "/api/v1/reports/followthrough", &f, func(r *struct {
				FollowThrough []warroom.FollowThroughRow `json:"followthrough"`
			}) error {
				tw := table(a.stdout, "GROUP", "INCIDENTS", "POSTMORTEMS ON TIME", "LATE", "OVERDUE", "OPEN",
					"ITEMS ON TIME", "LATE", "OVERDUE", "OPEN")
				count := func(c warroom.OnTimeCount) []string {
					return []string{fmt.Sprintf("%d of %d", c.OnTime, c.Total), fmt.Sprint(c.Late), fmt.Sprint(c.Overdue), fmt.Sprint(c.Open)}
				}
				for _, g := range r.FollowThrough {
					cells := append([]string{g.Label, fmt.Sprint(g.Incidents)}, count(g.Postmortems)...)
					row(tw, append(cells, count(g.ActionItems)...)...)
				}
				return tw.Flush()
			})
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&f.groupBy, "group-by", "", "none, service, severity, team or month")
	return cmd
}
