pub mod awards;
pub mod dashboard;
pub mod login;
pub mod medals;
pub mod staff;
