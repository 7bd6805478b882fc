pub mod awards;
pub mod dashboard;
pub mod groups;
pub mod login;
pub mod medals;
pub mod settings;
pub mod shares;
pub mod staff;
