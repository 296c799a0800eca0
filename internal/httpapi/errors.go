package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/model"
)

// errorRow is one line of the error table: the HTTP status and the stable
// machine-readable code sent in the "error" field of the envelope.
type errorRow struct {
	status int
	code   string
}

// kindTable maps every model error kind (STYLE §5) to its status and code. It
// is the only place in Atrium where an error kind becomes an HTTP status; a
// new kind in model/errors.go needs a row here (TestErrorTable walks them all).
var kindTable = []struct {
	kind error
	row  errorRow
}{
	{model.ErrInvalid, errorRow{http.StatusUnprocessableEntity, "invalid_request"}},
	{model.ErrNotFound, errorRow{http.StatusNotFound, "not_found"}},
	{model.ErrConflict, errorRow{http.StatusConflict, "conflict"}},
	{model.ErrTooLarge, errorRow{http.StatusRequestEntityTooLarge, "too_large"}},
	{model.ErrUnauthenticated, errorRow{http.StatusUnauthorized, "unauthenticated"}},
	{model.ErrForbidden, errorRow{http.StatusForbidden, "forbidden"}},
	{model.ErrRateLimited, errorRow{http.StatusTooManyRequests, "rate_limited"}},
	{model.ErrUnavailable, errorRow{http.StatusServiceUnavailable, "unavailable"}},
}

// internalRow is what an error without a kind becomes: the client learns
// nothing but the request id; the log gets the whole chain.
var internalRow = errorRow{http.StatusInternalServerError, "internal_error"}

// statusClientClosed answers a request whose client went away before the
// handler finished (nginx's 499).
const statusClientClosed = 499

// statusCodes names the statuses huma itself produces before a handler runs
// (malformed JSON, body too large, bad query parameter, ...), so that those
// errors carry the same envelope and codes as the kinded ones.
var statusCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestTimeout:        "request_timeout",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "invalid_request",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
}

// APIError is the error envelope of DESIGN §7:
// {"ok": false, "error": "<code>", "message": "...", "details": {...}}.
// It implements huma.StatusError so huma writes it with its status.
type APIError struct {
	status  int
	OK      bool           `json:"ok"`
	Code    string         `json:"error" doc:"Stable machine-readable error code, e.g. not_found, invalid_request."`
	Message string         `json:"message" doc:"What went wrong, written for people; names the offending field."`
	Details map[string]any `json:"details" doc:"Structured details; fields lists {field, reason} for invalid input; requestId for internal errors."`
}

// Error returns the user-facing message.
func (e *APIError) Error() string { return e.Message }

// GetStatus returns the HTTP status (huma.StatusError).
func (e *APIError) GetStatus() int { return e.status }

// ContentType keeps errors on plain application/json (huma would otherwise
// use application/problem+json for its own error model).
func (e *APIError) ContentType(string) string { return "application/json" }

// kindRow returns the table row of err's kind, if it has one.
func kindRow(err error) (errorRow, bool) {
	for _, k := range kindTable {
		if errors.Is(err, k.kind) {
			return k.row, true
		}
	}
	return errorRow{}, false
}

// toAPIError turns any error into the envelope. Kinded errors keep their
// user-facing message (and field list for validation errors); anything else
// becomes a 500 "internal_error" carrying only the request id, and the full
// chain is logged.
func toAPIError(ctx context.Context, err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return noteError(ctx, ae)
	}
	row, ok := kindRow(err)
	if !ok && errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The client went away (a browser cancels superseded requests):
		// not a server fault, so no error log and no 500. Nobody reads the
		// answer; 499 is nginx's "client closed request", for the logs.
		st := stateFrom(ctx)
		st.logger.DebugContext(ctx, "request cancelled by the client", "request_id", st.requestID)
		return noteError(ctx, &APIError{status: statusClientClosed, Code: "client_closed",
			Message: "the client closed the request", Details: map[string]any{}})
	}
	if !ok {
		return internalError(ctx, err)
	}
	e := &APIError{status: row.status, Code: row.code, Message: err.Error(), Details: map[string]any{}}
	var ve *model.ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		e.Details["fields"] = ve.Fields
	}
	return noteError(ctx, e)
}

// noteError keeps the envelope's message on the request for the audit entry
// (the message only: it is written for people and holds no body or secret).
func noteError(ctx context.Context, e *APIError) *APIError {
	stateFrom(ctx).errMessage = e.Message
	return e
}

// internalError logs err with the request id and returns the opaque 500.
func internalError(ctx context.Context, err error) *APIError {
	st := stateFrom(ctx)
	st.logger.ErrorContext(ctx, "internal error", "request_id", st.requestID, "err", err)
	return noteError(ctx, &APIError{
		status:  internalRow.status,
		Code:    internalRow.code,
		Message: fmt.Sprintf("internal error; quote request id %s when reporting it", st.requestID),
		Details: map[string]any{"requestId": st.requestID},
	})
}

// newHumaError builds the envelope for errors huma raises itself (validation
// of parameters and bodies, body limits, content negotiation) and for
// handler errors huma passes on (status 500 with the handler's error).
func newHumaError(ctx context.Context, status int, msg string, errs ...error) huma.StatusError {
	// A handler's error reaches us as (500, "unexpected error occurred", err):
	// classify it through the kind table.
	if status == http.StatusInternalServerError && len(errs) == 1 && errs[0] != nil {
		if _, isDetail := errs[0].(huma.ErrorDetailer); !isDetail {
			return toAPIError(ctx, errs[0])
		}
	}
	if status >= 500 {
		parts := []error{errors.New(msg)}
		parts = append(parts, errs...)
		return internalError(ctx, errors.Join(parts...))
	}
	if status == http.StatusUnprocessableEntity {
		status, errs = bodyDecodeErrors(status, errs)
	}
	code, ok := statusCodes[status]
	if !ok {
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	e := &APIError{status: status, Code: code, Message: msg, Details: map[string]any{}}
	var fields []model.FieldError
	var reasons []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			det := d.ErrorDetail()
			field := strings.TrimPrefix(strings.TrimPrefix(det.Location, "body."), "body")
			fields = append(fields, model.FieldError{Field: field, Reason: det.Message})
			if field != "" {
				reasons = append(reasons, field+": "+det.Message)
			} else {
				reasons = append(reasons, det.Message)
			}
			continue
		}
		reasons = append(reasons, err.Error())
	}
	switch status {
	case http.StatusBadRequest:
		e.Message = "malformed request body"
		if len(reasons) > 0 {
			e.Message += ": " + strings.Join(reasons, "; ")
		}
	case http.StatusRequestEntityTooLarge:
		// huma's text quotes its internal limit (ours + 1); say it plainly.
		e.Message = "request body is too large: the limit is --max-body-bytes (ATRIUM_MAX_BODY_BYTES), 1 MiB by default"
	case http.StatusUnprocessableEntity:
		e.Details["fields"] = fields
		if len(reasons) > 0 {
			e.Message = strings.Join(reasons, "; ")
		}
	default:
		if len(reasons) > 0 {
			e.Message = msg + ": " + strings.Join(reasons, "; ")
		}
	}
	return noteError(ctx, e)
}

// bodyDecodeErrors rewrites the error huma reports when a body it did not
// validate against its schema (operations with SkipValidateBody) fails to
// decode into the input struct: a body that is not JSON is a 400, as on
// every other route, and a value of the wrong JSON type names its field
// instead of Go's types. Other errors pass unchanged.
func bodyDecodeErrors(status int, errs []error) (int, []error) {
	out := make([]error, 0, len(errs))
	for _, err := range errs {
		var d *huma.ErrorDetail
		if !errors.As(err, &d) || d.Location != "body" {
			out = append(out, err)
			continue
		}
		if body, ok := d.Value.(string); ok && !json.Valid([]byte(body)) {
			status = http.StatusBadRequest
			out = append(out, &huma.ErrorDetail{Location: "body", Message: d.Message})
			continue
		}
		if m := goTypeError.FindStringSubmatch(d.Message); m != nil {
			loc := "body"
			for _, seg := range strings.Split(m[2], ".") {
				if seg != "" && !unicode.IsUpper(rune(seg[0])) { // Go's names of embedded structs are not JSON's
					loc += "." + seg
				}
			}
			out = append(out, &huma.ErrorDetail{Location: loc, Message: "expected " + jsonTypeOf(m[3]) + ", got " + m[1]})
			continue
		}
		out = append(out, &huma.ErrorDetail{Location: "body", Message: d.Message})
	}
	return status, out
}

// goTypeError matches encoding/json's UnmarshalTypeError text: the JSON
// value's kind, the field path and the Go type.
var goTypeError = regexp.MustCompile(`^json: cannot unmarshal (\w+) into Go (?:struct field \S*?\.(\S+)|value) of type (.+)$`)

// jsonTypeOf names the JSON type a Go type decodes from.
func jsonTypeOf(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "an object"
}

// installHumaErrors replaces huma's package-level error constructors with
// ours, once per process. Huma exposes them only as package variables, so
// this is the one piece of process-wide state the API sets (STYLE §6); it is
// stateless itself — per-request data (request id, logger) comes from the
// request context.
var installHumaErrors = sync.OnceFunc(func() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return newHumaError(context.Background(), status, msg, errs...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return newHumaError(ctx, status, msg, errs...)
	}
})

// writeError writes err as the envelope on a plain net/http route (the ones
// huma does not serve: unknown paths, panics).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toAPIError(r.Context(), err)
	writeJSON(w, e.status, e)
}

// discardLogger is used when a request context carries no state (errors built
// outside a request, e.g. huma's documentation examples at registration).
var discardLogger = slog.New(slog.DiscardHandler)
