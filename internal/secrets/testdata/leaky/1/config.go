package config

// Credentials of the upload bucket.
const (
	awsAccessKeyID     = "{{AWS_KEY_ID}}"
	awsSecretAccessKey = "{{AWS_SECRET}}"
)

// A key for the unit tests, allowed on purpose.
const testKeyID = "{{AWS_KEY_ID_2}}" // gitleaks:allow
