// Key Vault for the SendGrid key. RBAC-authorised; the app's identity may only read secrets.
// Written directly rather than through a registry module so the secure parameter goes straight to
// the secret resource and nowhere else.
param name string
param location string
param tags object
@secure()
param sendgridApiKey string
param readerPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Purge protection: a deleted vault or secret can only be recovered, never purged early, by
    // anyone (a stolen deployer credential included). It cannot be turned off once on. The
    // retention stays at the 7 days vaults were created with (it cannot change after creation);
    // docs/deploy.md says what this means for `azd down`.
    enablePurgeProtection: true
    softDeleteRetentionInDays: 7
    // Public endpoint, RBAC only: the Function App resolves the Key Vault reference from Flex
    // Consumption's shared outbound addresses, which no firewall rule can name (docs/deploy.md).
    publicNetworkAccess: 'Enabled'
  }
}

resource sendgridSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(sendgridApiKey)) {
  parent: vault
  name: 'sendgrid-api-key'
  properties: { value: sendgridApiKey, contentType: 'text/plain' }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
