"""The only code that talks to the outside: Kustomer, DynamoDB, SQS, SES, Secrets Manager."""
