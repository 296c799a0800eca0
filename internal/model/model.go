// Package model holds the plain types shared by Atrium's packages: blueprints,
// entities, events, actors and the error kinds of STYLE §5.
//
// It imports only the standard library and has no behaviour beyond small
// validation and normalisation helpers. Every other internal package may import it.
package model
