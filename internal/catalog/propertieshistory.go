package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// Time intervals of a properties-history request (Port's names).
const (
	IntervalHour    = "hour"
	IntervalDay     = "day"
	IntervalISOWeek = "isoWeek"
	IntervalMonth   = "month"
	IntervalQuarter = "quarter"
)

// PropertiesHistoryPresets are the timeRange presets, each ending now except
// yesterday. last2Years and last3Years require the quarter interval (as in
// Port).
var PropertiesHistoryPresets = []string{
	"today", "yesterday", "last24Hours", "last7Days", "last14Days", "last30Days",
	"last3Months", "last6Months", "last12Months", "last2Years", "last3Years",
}

// MaxHistoryBuckets caps the points of one properties-history answer.
const MaxHistoryBuckets = 2000

// PropertiesHistoryRequest is Port's POST /v1/entities/properties-history
// body.
type PropertiesHistoryRequest struct {
	EntityIdentifier    string           `json:"entityIdentifier"`
	BlueprintIdentifier string           `json:"blueprintIdentifier"`
	PropertyNames       []string         `json:"propertyNames"`
	TimeInterval        string           `json:"timeInterval"`
	TimeRange           HistoryTimeRange `json:"timeRange"`
}

// HistoryTimeRange is either a preset or an explicit From (and optional To,
// default now). TimeZone (IANA, default UTC) sets where buckets begin.
type HistoryTimeRange struct {
	Preset   string     `json:"preset,omitempty"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	TimeZone string     `json:"timeZone,omitempty"`
}

// HistoryPoint is one bucket of a properties-history answer: Time is the
// bucket's start in the requested zone; Properties holds each requested
// property's value at the end of the bucket or of the range, whichever comes
// first (now, for the bucket holding now), null when the entity or the
// property did not exist then.
type HistoryPoint struct {
	Time       time.Time      `json:"time"`
	Properties map[string]any `json:"properties"`
}

// PropertiesHistory answers Port's properties-history request: the range is
// cut into buckets of TimeInterval aligned in TimeZone (hours, days, ISO
// weeks starting Monday, months, quarters), and each bucket gets the value
// each property had at its end.
func (s *Service) PropertiesHistory(ctx context.Context, req *PropertiesHistoryRequest) ([]HistoryPoint, error) {
	ve := &model.ValidationError{Subject: "properties history"}
	if req.BlueprintIdentifier == "" {
		ve.Add("blueprintIdentifier", "is required")
	}
	if req.EntityIdentifier == "" {
		ve.Add("entityIdentifier", "is required")
	}
	if len(req.PropertyNames) == 0 {
		ve.Add("propertyNames", "must name at least one property")
	}
	step, ok := intervalSteps[req.TimeInterval]
	if !ok {
		ve.Add("timeInterval", "must be one of hour, day, isoWeek, month, quarter")
	}
	loc := time.UTC
	if req.TimeRange.TimeZone != "" {
		l, err := time.LoadLocation(req.TimeRange.TimeZone)
		if err != nil {
			ve.Add("timeRange.timeZone", "is not an IANA time zone")
		} else {
			loc = l
		}
	}
	now := s.opts.Clock.Now()
	start, end, ok := historyRange(&req.TimeRange, now.In(loc), ve)
	if ok && (req.TimeRange.Preset == "last2Years" || req.TimeRange.Preset == "last3Years") && req.TimeInterval != IntervalQuarter {
		ve.Add("timeInterval", "must be quarter for preset %s", req.TimeRange.Preset)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	bp, err := getBlueprint(ctx, s.opts.Store, req.BlueprintIdentifier)
	if err != nil {
		return nil, err
	}
	for i, name := range req.PropertyNames {
		if _, ok := bp.Schema.Properties[name]; !ok {
			ve.Add(fmt.Sprintf("propertyNames[%d]", i), "blueprint %q has no property %q", bp.Identifier, name)
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	var bounds []time.Time
	for t := truncateInterval(start, req.TimeInterval); t.Before(end); t = step(t) {
		if len(bounds) == MaxHistoryBuckets {
			ve.Add("timeInterval", "the range holds more than %d %s buckets; choose a longer interval", MaxHistoryBuckets, req.TimeInterval)
			return nil, ve
		}
		bounds = append(bounds, t)
	}
	vs, err := s.EntityHistory(ctx, req.BlueprintIdentifier, req.EntityIdentifier)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryPoint, len(bounds))
	for i, b := range bounds {
		// The value at the end of [b, next) or of the range, whichever comes
		// first: the version live just before it (or now, if that is later).
		bucketEnd := step(b)
		if end.Before(bucketEnd) {
			bucketEnd = end
		}
		at := bucketEnd.Add(-time.Microsecond)
		if !bucketEnd.Before(now) {
			at = now
		}
		var cur *model.Entity
		for _, v := range vs {
			if v.ValidFrom.After(at) {
				break
			}
			cur = v.Entity
		}
		p := HistoryPoint{Time: b, Properties: make(map[string]any, len(req.PropertyNames))}
		for _, name := range req.PropertyNames {
			p.Properties[name] = nil
			if cur != nil {
				p.Properties[name] = cur.Properties[name]
			}
		}
		out[i] = p
	}
	return out, nil
}

// historyRange resolves a time range in now's zone; ok is false when it
// added a problem to ve.
func historyRange(r *HistoryTimeRange, now time.Time, ve *model.ValidationError) (start, end time.Time, ok bool) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if r.Preset != "" {
		if r.From != nil || r.To != nil {
			ve.Add("timeRange", "give either preset or from/to, not both")
			return start, end, false
		}
		switch r.Preset {
		case "today":
			return day, now, true
		case "yesterday":
			return day.AddDate(0, 0, -1), day, true
		case "last24Hours":
			return now.Add(-24 * time.Hour), now, true
		case "last7Days":
			return now.AddDate(0, 0, -7), now, true
		case "last14Days":
			return now.AddDate(0, 0, -14), now, true
		case "last30Days":
			return now.AddDate(0, 0, -30), now, true
		case "last3Months":
			return now.AddDate(0, -3, 0), now, true
		case "last6Months":
			return now.AddDate(0, -6, 0), now, true
		case "last12Months":
			return now.AddDate(-1, 0, 0), now, true
		case "last2Years":
			return now.AddDate(-2, 0, 0), now, true
		case "last3Years":
			return now.AddDate(-3, 0, 0), now, true
		}
		ve.Add("timeRange.preset", "unknown preset %q", r.Preset)
		return start, end, false
	}
	if r.From == nil {
		ve.Add("timeRange", "give a preset or from (and optionally to)")
		return start, end, false
	}
	start, end = r.From.In(now.Location()), now
	if r.To != nil {
		end = r.To.In(now.Location())
	}
	if !start.Before(end) {
		ve.Add("timeRange.from", "must be before timeRange.to")
		return start, end, false
	}
	return start, end, true
}

// intervalSteps move a bucket start to the next one, in the bucket's zone
// (so days stay days across daylight-saving changes).
var intervalSteps = map[string]func(time.Time) time.Time{
	IntervalHour:    func(t time.Time) time.Time { return t.Add(time.Hour) },
	IntervalDay:     func(t time.Time) time.Time { return t.AddDate(0, 0, 1) },
	IntervalISOWeek: func(t time.Time) time.Time { return t.AddDate(0, 0, 7) },
	IntervalMonth:   func(t time.Time) time.Time { return t.AddDate(0, 1, 0) },
	IntervalQuarter: func(t time.Time) time.Time { return t.AddDate(0, 3, 0) },
}

// truncateInterval returns the start of the bucket holding t.
func truncateInterval(t time.Time, interval string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch interval {
	case IntervalHour:
		// By arithmetic, not time.Date: an hour repeated by a DST change
		// must truncate to its own start.
		return t.Add(-time.Duration(t.Minute())*time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	case IntervalDay:
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case IntervalISOWeek:
		return time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
	case IntervalMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case IntervalQuarter:
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	}
	return t
}
