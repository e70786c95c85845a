package entratest

import (
	"html/template"
	"net/http"
	"net/url"
)

// The verification page of the device code flow: the counterpart of
// https://microsoft.com/devicelogin, where a person enters the user code
// and picks the seeded account to approve as. There is no password: this
// is a throwaway emulator on loopback.

var deviceLoginPage = template.Must(template.New("devicelogin").Parse(`<!doctype html>
<html><head><title>entratest device login</title></head>
<body>
<h1>Sign in to the entratest emulator</h1>
{{if .Message}}<p><strong>{{.Message}}</strong></p>{{end}}
<form method="post" action="/devicelogin">
<p><label>Code <input name="user_code" value="{{.Code}}" autofocus></label></p>
<p><label>Sign in as <select name="upn">{{range .Users}}<option>{{.}}</option>{{end}}</select></label></p>
<p><button name="action" value="approve">Approve</button> <button name="action" value="deny">Decline</button></p>
</form>
</body></html>
`))

// serveDeviceLogin answers GET and POST /devicelogin.
func (s *Server) serveDeviceLogin(w http.ResponseWriter, r *http.Request, body []byte) {
	data := struct {
		Message string
		Code    string
		Users   []string
	}{Code: r.URL.Query().Get("code")}
	if r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "malformed form", http.StatusBadRequest)
			return
		}
		code, upn := form.Get("user_code"), form.Get("upn")
		if form.Get("action") == "deny" {
			err = s.DenyDeviceCode(code)
		} else {
			err = s.ApproveDeviceCode(code, upn)
		}
		data.Message = "Done: you can close this window and return to the application."
		if err != nil {
			data.Message = err.Error()
			data.Code = code
		}
	} else if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	for _, u := range s.dir.lists[kindUser].items {
		if u.live() {
			data.Users = append(data.Users, u.str("userPrincipalName"))
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = deviceLoginPage.Execute(w, data)
}
