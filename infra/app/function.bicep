// The Function App on Flex Consumption, Node 22, running as the user-assigned identity.
// Every setting the app reads is listed here by name (test/infra/settings.test.ts keeps this list
// and src/config.ts in step); secrets are Key Vault references, never values.
param name string
param location string
param tags object
param planId string
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param appInsightsConnectionString string
param keyVaultName string
param hasSendgridKey bool
param auditSubscriptions string
param auditManagementGroups string
param mailFrom string
param mailTo string
param mailToBySubscription string
param mailRoutingTag string
param mailAllowedDomains string
param httpRequireRoles string
param sweepSchedule string
param digestSchedule string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    // Key Vault references resolve with this identity; without it the platform looks for a system identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: 40
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage and the history tables, keyless: the identity's roles are set in rbac.bicep.
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // DefaultAzureCredential picks the user-assigned identity by this id (ARM reads and Table Storage).
      AZURE_CLIENT_ID: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // The package is read-only on Flex; local state goes to /tmp. Mail never does: without a SendGrid
      // key the app refuses to start in Azure (MAIL_OUTBOX stays unset, Flex has no durable disk).
      AKS_AUDIT_HOME: '/tmp/aks-audit'
      TABLE_PREFIX: 'aksaudit'
      AUDIT_SUBSCRIPTIONS: auditSubscriptions
      AUDIT_MANAGEMENT_GROUPS: auditManagementGroups
      SENDGRID_API_KEY: hasSendgridKey ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=sendgrid-api-key)' : ''
      MAIL_FROM: mailFrom
      MAIL_TO: mailTo
      MAIL_TO_BY_SUBSCRIPTION: mailToBySubscription
      MAIL_ROUTING_TAG: mailRoutingTag
      MAIL_ALLOWED_DOMAINS: mailAllowedDomains
      // The timers bind %SWEEP_SCHEDULE% and %DIGEST_SCHEDULE%: the host will not start without them.
      SWEEP_SCHEDULE: sweepSchedule
      DIGEST_SCHEDULE: digestSchedule
      HTTP_REQUIRE_ROLES: httpRequireRoles
    }
  }
}

// Basic (user name and password) publishing credentials off for FTP and for the SCM site: azd
// deploys with an Entra token, so the only thing these would add is a password that bypasses Entra.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
