module github.com/atrium-idp/atrium

go 1.26.0
