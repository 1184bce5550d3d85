/* xinfang serves no Swagger UI (it would load scripts from the internet); see /api/schema/. */
