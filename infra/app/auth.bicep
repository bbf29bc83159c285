// App Service Authentication (Easy Auth) in front of the Function App, deployed when
// httpRequireRoles is 'true'. An Entra ID app registration declares the two app roles the API checks;
// authsettingsV2 makes the platform validate the bearer token, answer 401 to anything without one,
// and pass its own x-ms-client-principal (with the `roles` claims) to the app. The platform then
// sets WEBSITE_AUTH_ENABLED=True, which the app requires before it accepts HTTP_REQUIRE_ROLES=true.
// Assign the roles to users or client applications on the enterprise application afterwards.
extension microsoftGraphV1

param siteName string
@description('Stable unique name of the app registration (re-deploys update it rather than adding one).')
param appUniqueName string

resource registration 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: appUniqueName
  displayName: 'AKS Integration Auditor (${siteName})'
  signInAudience: 'AzureADMyOrg'
  appRoles: [
    {
      id: guid(appUniqueName, 'Audit.Read')
      value: 'Audit.Read'
      displayName: 'Audit.Read'
      description: 'Read audit history, the fleet view and chain verification.'
      allowedMemberTypes: ['User', 'Application']
      isEnabled: true
    }
    {
      id: guid(appUniqueName, 'Audit.Run')
      value: 'Audit.Run'
      displayName: 'Audit.Run'
      description: 'Start on-demand audits.'
      allowedMemberTypes: ['User', 'Application']
      isEnabled: true
    }
  ]
}

// The enterprise application: role assignments are made on it.
resource principal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: registration.appId
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: registration.appId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [registration.appId, 'api://${registration.appId}']
        }
      }
    }
    login: { tokenStore: { enabled: false } }
    httpSettings: { requireHttps: true }
  }
}

output clientId string = registration.appId
output servicePrincipalId string = principal.id
