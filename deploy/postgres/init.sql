-- Each service owns its database.
CREATE DATABASE slrt_intake;
CREATE DATABASE slrt_routing;
CREATE DATABASE slrt_notification;
CREATE DATABASE slrt_reporting;
