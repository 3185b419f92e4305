package web

import "net/http"

// routes registers every page. A page is a method in its own file named
// after the route (noun_verb.go); see doc.go.
func (h *Handler) routes() {
	h.handle("GET /static/", anyone, h.assets.serve)
	h.handle("GET /{$}", anyone, h.home)
	h.handle("GET /signin", anyone, h.signInShow)
	h.handle("POST /signin", anyone, h.signInSubmit)
	h.handle("POST /signout", signedIn, h.signOutSubmit)
	h.handle("GET /signin/link/{token}", anyone, h.signInLinkShow)
	h.handle("POST /signin/link/{token}", anyone, h.signInLinkSubmit)
	h.handle("GET /profile/password", signedIn, h.passwordEdit)
	h.handle("POST /profile/password", signedIn, h.passwordUpdate)
	h.handle("GET /users/{user}/password", admin, h.userPasswordEdit)
	h.handle("POST /users/{user}/password", admin, h.userPasswordUpdate)
	h.handle("POST /users/{user}/signin-link", admin, h.userSignInLink)

	h.handle("GET /incidents", signedIn, h.incidentList)
	h.handle("GET /incidents/stream", signedIn, h.incidentListStream)
	h.handle("GET /incidents/new", writer, h.incidentNew)
	h.handle("POST /incidents", writer, h.incidentCreate)
	h.handle("GET /incidents/{ref}", signedIn, h.incidentShow)
	h.handle("GET /incidents/{ref}/state", signedIn, h.incidentState)
	h.handle("GET /incidents/{ref}/stream", signedIn, h.incidentStream)
	h.handle("POST /incidents/{ref}/entries", writer, h.entryCreate)
	h.handle("POST /incidents/{ref}/entries/{seq}/star", writer, h.entryStar)
	h.handle("POST /incidents/{ref}/entries/{seq}/correct", writer, h.entryCorrect)
	h.handle("POST /incidents/{ref}/hypotheses/{seq}", writer, h.hypothesisUpdate)
	h.handle("POST /incidents/{ref}/stage", writer, h.stageChange)
	h.handle("POST /incidents/{ref}/reopen", writer, h.incidentReopen)
	h.handle("POST /incidents/{ref}/roles", writer, h.roleAssign)
	h.handle("POST /incidents/{ref}/roles/release", writer, h.roleRelease)
	h.handle("GET /incidents/{ref}/updates", signedIn, h.updatesShow)
	h.handle("POST /incidents/{ref}/updates", writer, h.updateCreate)
	h.handle("POST /incidents/{ref}/assessment", writer, h.assessmentSubmit)
	h.handle("POST /incidents/{ref}/help", writer, h.helpSubmit)
	h.handle("GET /incidents/{ref}/handoff", signedIn, h.handoffShow)
	h.handle("POST /incidents/{ref}/handoff", writer, h.handoffStart)
	h.handle("POST /incidents/{ref}/handoff/team", writer, h.handoffTeam)
	h.handle("POST /incidents/{ref}/handoff/complete", writer, h.handoffComplete)
	h.handle("POST /incidents/{ref}/handoff/acknowledge", writer, h.handoffAcknowledge)
	h.handle("POST /incidents/{ref}/baseline", writer, h.baselineComplete)
	h.handle("POST /incidents/{ref}/follow-ups", writer, h.followUpCreate)
	h.handle("POST /incidents/{ref}/review", writer, h.reviewSchedule)
	h.handle("POST /incidents/{ref}/review/attendance", writer, h.reviewAttendance)
	h.handle("GET /incidents/{ref}/review.ics", signedIn, h.reviewInvite)
	h.handle("GET /customers", signedIn, h.customerList)
	h.handle("POST /customers", admin, h.customerCreate)
	h.handle("GET /update-templates", signedIn, h.templateList)
	h.handle("POST /update-templates/{audience}", admin, h.templateSave)
	h.handle("GET /trackers", admin, h.trackerList)
	h.handle("POST /trackers", admin, h.trackerCreate)
	h.handle("POST /trackers/{id}/remove", admin, h.trackerRemove)
	h.handle("GET /incidents/{ref}/tickets", signedIn, h.incidentTickets)

	h.pageRoutes() // pages.go
	h.postmortemRoutes()
	h.handle("GET /status-admin", signedIn, h.statusAdmin)
	h.handle("POST /status-admin/components", admin, h.statusComponentCreate)
	h.handle("POST /status-admin/components/{id}/status", writer, h.statusComponentSet)
	h.handle("POST /status-admin/publish", writer, h.statusPublish)
	h.handle("POST /status-admin/maintenance", writer, h.statusMaintenanceCreate)
	h.handle("POST /status-admin/maintenance/{id}/cancel", writer, h.statusMaintenanceCancel)
	h.handle("POST /status-admin/subscribers", admin, h.statusWebhookCreate)
	h.handle("POST /status-admin/subscribers/{id}/remove", admin, h.statusSubscriberRemove)
	h.handle("GET /reports", signedIn, h.reportShow)
	h.handle("GET /reports/charts/{chart}", signedIn, h.reportChart)
}

// home sends a signed-in browser to the incidents and others to sign in.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	if currentUser(r) == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/incidents", http.StatusSeeOther)
	return nil
}
