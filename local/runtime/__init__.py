"""The local runtime: template.yaml's resources in moto, its functions called as AWS would."""
