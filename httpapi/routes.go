package httpapi

import (
	"net/http"

	"github.com/warroom/warroom"
)

// access says who may call a route.
type access int

const (
	public access = iota // anyone, without a token
	reader               // any authenticated user (routes that only read)
	writer               // responders and admins: viewers change nothing
	self                 // any authenticated user, viewers included, acting on their own account (tokens)
	admin                // admins only
	feed                 // any authenticated user, by bearer token or ?token= (calendar apps send no headers)
)

// route is one entry of the API's route table. Method and Path are in
// http.ServeMux syntax; the OpenAPI document uses the same path syntax, so
// the test can compare them directly.
type route struct {
	Method string
	Path   string
	Access access
	handle func(http.ResponseWriter, *http.Request) error
	// Body is the zero value of the type the request body decodes into
	// (nil: no body), so the test can hold the documented request schema
	// against the fields the handler really accepts.
	Body any
}

// routes is the one route table: New registers it, the OpenAPI test
// compares it with the document both ways, docs/api-routes.md describes it.
func (s *Server) routes() []route {
	routes := []route{
		{"GET", "/healthz", public, s.healthz, nil},
		{"GET", "/readyz", public, s.readyz, nil},
		{"GET", "/api/v1/openapi.json", public, s.openapi, nil},

		{"GET", "/api/v1/me", reader, s.me, nil},
		{"GET", "/api/v1/users", reader, s.listUsers, nil},
		{"POST", "/api/v1/users", admin, s.createUser, userInput{}},
		{"GET", "/api/v1/users/{user}", reader, s.getUser, nil},
		{"PATCH", "/api/v1/users/{user}", admin, s.updateUser, userInput{}},
		{"POST", "/api/v1/users/{user}/password", admin, s.setPassword, passwordInput{}},
		{"POST", "/api/v1/users/{user}/signin-link", admin, s.createSignInLink, nil},

		{"GET", "/api/v1/teams", reader, s.listTeams, nil},
		{"POST", "/api/v1/teams", admin, s.createTeam, teamInput{}},
		{"GET", "/api/v1/teams/{team}", reader, s.getTeam, nil},

		{"GET", "/api/v1/services", reader, s.listServices, nil},
		{"POST", "/api/v1/services", admin, s.createService, serviceInput{}},
		{"GET", "/api/v1/services/{service}", reader, s.getService, nil},
		{"PATCH", "/api/v1/services/{service}", admin, s.updateService, serviceInput{}},

		{"GET", "/api/v1/tokens", reader, s.listTokens, nil},
		{"POST", "/api/v1/tokens", self, s.createToken, tokenInput{}},
		{"DELETE", "/api/v1/tokens/{id}", self, s.revokeToken, nil},

		{"GET", "/api/v1/incidents", reader, s.listIncidents, nil},
		{"POST", "/api/v1/incidents", writer, s.declare, declareInput{}},
		{"GET", "/api/v1/incidents/{incident}", reader, s.getIncident, nil},
		{"PATCH", "/api/v1/incidents/{incident}", writer, s.updateDetails, detailsInput{}},
		{"GET", "/api/v1/incidents/{incident}/timeline", reader, s.timeline, nil},
		{"POST", "/api/v1/incidents/{incident}/stage", writer, s.changeStage, warroom.ChangeStage{}},
		{"POST", "/api/v1/incidents/{incident}/reopen", writer, s.reopen, warroom.Reopen{}},
		{"POST", "/api/v1/incidents/{incident}/severity", writer, s.changeSeverity, warroom.ChangeSeverity{}},
		{"POST", "/api/v1/incidents/{incident}/impact", writer, s.changeImpact, warroom.ChangeImpact{}},
		{"POST", "/api/v1/incidents/{incident}/impact-start", writer, s.correctImpactStart, warroom.CorrectImpactStart{}},
		{"POST", "/api/v1/incidents/{incident}/acknowledge", writer, s.acknowledgeIncident, warroom.Acknowledge{}},
		{"POST", "/api/v1/incidents/{incident}/roles", writer, s.assignRole, roleInput{}},
		{"POST", "/api/v1/incidents/{incident}/roles/release", writer, s.releaseRole, roleInput{}},
		{"POST", "/api/v1/incidents/{incident}/major", writer, s.markMajor, warroom.MarkMajor{}},
		{"POST", "/api/v1/incidents/{incident}/privacy", writer, s.setPrivacy, privacyInput{}},
		{"POST", "/api/v1/incidents/{incident}/participants", writer, s.addParticipant, participantInput{}},
		{"POST", "/api/v1/incidents/{incident}/entries", writer, s.addEntry, warroom.AddEntry{}},
		{"POST", "/api/v1/incidents/{incident}/entries/{seq}/star", writer, s.star, starInput{}},
		{"POST", "/api/v1/incidents/{incident}/entries/{seq}/corrections", writer, s.correct, correctionInput{}},
		{"POST", "/api/v1/incidents/{incident}/hypotheses/{seq}", writer, s.updateHypothesis, hypothesisInput{}},
		{"POST", "/api/v1/incidents/{incident}/alerts", writer, s.attachAlerts, attachInput{}},
		{"GET", "/api/v1/incidents/{incident}/messages", reader, s.incidentMessages, nil},
	}
	routes = append(routes, s.intakeRoutes()...)
	routes = append(routes, s.alertRoutes()...)
	routes = append(routes, s.pagingRoutes()...)
	routes = append(routes, s.scheduleRoutes()...)
	routes = append(routes, s.trackerRoutes()...)
	routes = append(routes, s.chatRoutes()...)
	routes = append(routes, s.commsRoutes()...)
	routes = append(routes, s.statusRoutes()...)
	routes = append(routes, s.afterFireRoutes()...)
	routes = append(routes, s.postmortemRoutes()...)
	routes = append(routes, s.reportRoutes()...)
	return append(routes, s.ackRoutes()...)
}
